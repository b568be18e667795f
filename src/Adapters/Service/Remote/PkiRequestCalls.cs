using CertConnector.Actors.Logging;

namespace CertConnector.Adapters.Service.Remote;

/// <summary>
/// The download / upload pair that PKCS, revocation, PKCS import and recrypt each make on <c>{pki}/CertificateAuthorityRequests</c>
/// (docs/DESIGN.md §8): one piece of code for what they share. A downloaded item that cannot be mapped (the mapping throws
/// <see cref="FormatException"/>) never reaches the actors: it is logged and answered at once with a failure, so the
/// service stops handing it out and the operator sees why.
/// </summary>
public static class PkiRequestCalls
{
    public const string Base = "CertificateAuthorityRequests";

    /// <summary>A request the connector refused: its ID, the error code to answer with (<see cref="RefusalAnswer.ErrorCode"/>) and why.</summary>
    public sealed record Refusal(string RequestId, string ErrorCode, string Reason)
    {
        /// <summary>The refusal code of every call whose error codes the service leaves to the connector.</summary>
        public const string BadRequest = "BadRequest";
    }

    /// <param name="downloadParameters">the call's <c>downloadParameters</c> for a batch size (already clamped to 1..500); by default only <c>maxRequests</c>.</param>
    public static async Task<IReadOnlyList<TRequest>> DownloadAsync<TDto, TRequest>(this ServiceChannel channel, string call, EventDefinition failureEvent,
        int maxRequests, Func<TDto, string?> idOf, Func<TDto, TRequest> map, RefusalAnswer refusals, CancellationToken cancellationToken,
        Func<int, object>? downloadParameters = null)
    {
        var max = Math.Clamp(maxRequests, 1, 500);
        var answer = await channel.PostAsync<ValueList<TDto>>(new ServiceCall(ServiceNames.Pki, $"{Base}/{call}", failureEvent),
            new { downloadParameters = downloadParameters?.Invoke(max) ?? new { maxRequests = max } }, cancellationToken).ConfigureAwait(false);
        var accepted = new List<TRequest>();
        var refused = new List<Refusal>();
        foreach (var dto in answer.Value ?? [])
        {
            if (idOf(dto) is not { } id || string.IsNullOrWhiteSpace(id)) continue; // nothing to answer to
            try
            {
                accepted.Add(map(dto));
            }
            catch (FormatException e)
            {
                refusals.Log.Write(refusals.Event, id, $"{refusals.What} request {id} from the service cannot be processed: {e.Message}", ("errorCode", refusals.ErrorCode));
                refused.Add(new Refusal(id, refusals.ErrorCode, e.Message));
            }
        }
        if (refused.Count > 0) await refusals.Upload(refused, cancellationToken).ConfigureAwait(false);
        return accepted;
    }

    /// <summary>Uploads results; the call carries the request ID when there is one, and anything but <c>{"value":true}</c> is retried.</summary>
    public static async Task UploadAsync(this ServiceChannel channel, string call, EventDefinition failureEvent, IReadOnlyList<string> requestIds,
        object results, CancellationToken cancellationToken)
    {
        var answer = await channel.PostAsync<ValueFlag>(new ServiceCall(ServiceNames.Pki, $"{Base}/{call}", failureEvent, requestIds.Count == 1 ? requestIds[0] : null),
            new { results }, cancellationToken).ConfigureAwait(false);
        answer.EnsureAcknowledged(call);
    }

    /// <summary>How a feature answers refused requests: the event to log (its request-failure event), the feature's name in the
    /// message, and the upload of the failure results.</summary>
    public sealed record RefusalAnswer(IConnectorEventLog Log, EventDefinition Event, string What, Func<IReadOnlyList<Refusal>, CancellationToken, Task> Upload)
    {
        /// <summary><see cref="Refusal.BadRequest"/>, unless the service's API fixes the feature's error codes (revocation's are numeric).</summary>
        public string ErrorCode { get; init; } = Refusal.BadRequest;
    }
}
