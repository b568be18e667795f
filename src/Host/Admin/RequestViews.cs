using Akka.Actor;
using Akka.Cluster;
using Akka.Persistence;
using CertConnector.Actors.Common;

namespace CertConnector.Host.Admin;

/// <summary>One feature's request shard region (or proxy), as the admin API asks it about a request; registered by each feature.</summary>
/// <param name="Role">the cluster role whose nodes host the feature's request actors: no Up member with it, nobody to ask.</param>
/// <param name="PersistenceId">the journal's name for a request of the feature.</param>
/// <param name="DetailsPath">the feature's own view of a request (<c>pkcs show</c>…), if it has one.</param>
public sealed record FeatureRequestRegion(string Feature, string Role, Func<IActorRef> Region, Func<string, string> PersistenceId,
    Func<string, string>? DetailsPath = null);

/// <summary>
/// The request actors' own view of a request (<see cref="GetRequestView"/>), for requests no standalone queue holds: in
/// service-connected mode every request comes from the management service. Asked only here, at the HTTP edge, with a time-out.
/// </summary>
public static class RequestViews
{
    public static readonly TimeSpan AskTimeout = TimeSpan.FromSeconds(10);

    /// <summary>The features whose actors know <paramref name="requestId"/>, and the features that did not answer in time.</summary>
    public static async Task<(IReadOnlyList<(RequestView View, FeatureRequestRegion Region)> Known, IReadOnlyList<string> Unanswered)> AskAllAsync(
        ActorSystem system, IEnumerable<FeatureRequestRegion> regions, string requestId, CancellationToken ct)
    {
        var members = Cluster.Get(system).State.Members;
        var asked = regions.Where(r => members.Any(m => m.Status == MemberStatus.Up && m.HasRole(r.Role)))
            .Select(r => (Region: r, Answer: AskIfJournaledAsync(system, r, requestId, ct))).ToList();
        await Task.WhenAll(asked.Select(a => a.Answer));
        return ([.. asked.Where(a => a.Answer.Result is { Known: true }).Select(a => (a.Answer.Result!, a.Region))],
            [.. asked.Where(a => a.Answer.Result is null).Select(a => a.Region.Feature)]);
    }

    /// <summary>
    /// The request actor's view, but only if the journal holds anything for the request: an ID nobody knows is answered here without
    /// waking an entity (which, with remember-entities, the shard would journal as started and then stopped).
    /// </summary>
    private static async Task<RequestView?> AskIfJournaledAsync(ActorSystem system, FeatureRequestRegion region, string requestId, CancellationToken ct) =>
        await IsJournaledAsync(system, region.PersistenceId(requestId), ct)
            ? await AskAsync(region.Region(), requestId, ct)
            : RequestView.Unknown(region.Feature, requestId);

    /// <summary>
    /// Whether the journal holds events for <paramref name="persistenceId"/>: its highest sequence number, as a recovery asks it (a
    /// replay of nothing). Any instance can ask: the journal is the shared database. Unsure (no answer in time) counts as yes, so the
    /// actor is asked.
    /// </summary>
    public static async Task<bool> IsJournaledAsync(ActorSystem system, string persistenceId, CancellationToken ct)
    {
        var journal = Persistence.Instance.Apply(system).JournalFor(null);
        try
        {
            var answer = await journal.Ask<object>(replyTo => new ReplayMessages(1, 0, 0, persistenceId, replyTo), AskTimeout, ct);
            return answer is not RecoverySuccess { HighestSequenceNr: 0 };
        }
        catch (AskTimeoutException)
        {
            return true;
        }
    }

    /// <summary>
    /// A feature's own view of one request (<c>pkcs show</c>, <c>revocation show</c>): <paramref name="notJournaled"/> when the journal holds
    /// nothing for it (no entity is woken to say so), else the actor's answer; a 503 when the actor does not answer in time.
    /// </summary>
    public static async Task<(TView? View, IResult? Error)> FeatureViewAsync<TView>(ActorSystem system, IActorRef region, string what,
        string persistenceId, object query, TView notJournaled, CancellationToken ct)
    {
        try
        {
            return (await IsJournaledAsync(system, persistenceId, ct) ? await region.Ask<TView>(query, AskTimeout, ct) : notJournaled, null);
        }
        catch (AskTimeoutException)
        {
            return (default, Results.Json(new ApiError($"The {what} actors did not answer within {AskTimeout.TotalSeconds:0} s; try again."),
                statusCode: StatusCodes.Status503ServiceUnavailable));
        }
    }

    /// <summary>One region's answer; null when it did not come in time (no node with the role reachable, a busy shard).</summary>
    public static async Task<RequestView?> AskAsync(IActorRef region, string requestId, CancellationToken ct)
    {
        try
        {
            return await region.Ask<RequestView>(new GetRequestView(requestId), AskTimeout, ct);
        }
        catch (AskTimeoutException)
        {
            return null;
        }
    }

    /// <summary>The 404 for an ID nobody knows, saying where the connector looked.</summary>
    public static IResult NotFound(string what, string requestId, bool remote, IReadOnlyList<string> unanswered)
    {
        var where = remote
            ? "the connector has not downloaded it from the management service (no request actor knows it)"
            : "it is in no queue and no request actor knows it";
        var late = unanswered.Count > 0 ? $" The {string.Join(", ", unanswered)} request actors did not answer within {AskTimeout.TotalSeconds:0} s." : "";
        return Results.NotFound(new ApiError($"No {what} '{requestId}': {where}.{late}", "id"));
    }
}
