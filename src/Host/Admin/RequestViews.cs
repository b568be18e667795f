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
/// The request actors' own view of a request (<see cref="GetRequestView"/>, the one query every request actor answers), asked only here,
/// at the HTTP edge, with a time-out: by <c>requests show</c> for an ID no standalone queue holds (in service-connected mode every request
/// comes from the management service), and by every feature's <c>show</c> (<see cref="ShowAsync{TRecord}"/>).
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
            .Select(r => (Region: r, Answer: ViewAsync(system, r.Feature, r.Region(), r.PersistenceId(requestId), requestId, ct))).ToList();
        await Task.WhenAll(asked.Select(a => a.Answer));
        return ([.. asked.Where(a => a.Answer.Result is { Known: true }).Select(a => (a.Answer.Result!, a.Region))],
            [.. asked.Where(a => a.Answer.Result is null).Select(a => a.Region.Feature)]);
    }

    /// <summary>
    /// One feature's <c>show</c>, the same for every feature: the journal is checked first, so an ID it does not hold is a 404 without
    /// waking an actor (nor, with remember-entities, journaling one); a 503 when the actor does not answer in time; else
    /// <paramref name="body"/> of the actor's view and of the standalone queue's <paramref name="record"/> (null when no queue holds it:
    /// every request in service-connected mode). The view is <see cref="RequestView.Known"/> false for a queued request not yet downloaded.
    /// </summary>
    /// <param name="what">the request as the messages name it ("PKCS request").</param>
    public static async Task<IResult> ShowAsync<TRecord>(ActorSystem system, string feature, IActorRef region, string persistenceId, string what,
        string requestId, TRecord? record, bool remote, Func<RequestView, TRecord?, object> body, CancellationToken ct) where TRecord : class
    {
        if (await ViewAsync(system, feature, region, persistenceId, requestId, ct) is not { } view)
            return Results.Json(new ApiError($"The {what} actors did not answer within {AskTimeout.TotalSeconds:0} s; try again."),
                statusCode: StatusCodes.Status503ServiceUnavailable);
        if (record is null && !view.Known) return NotFound(what, requestId, remote, []);
        return Results.Ok(body(view, record));
    }

    /// <summary>
    /// The request actor's view, but only if the journal holds anything for the request: an ID nobody knows is answered here without
    /// waking an entity (which, with remember-entities, the shard would journal as started and then stopped). Null: no answer in time.
    /// </summary>
    private static async Task<RequestView?> ViewAsync(ActorSystem system, string feature, IActorRef region, string persistenceId, string requestId,
        CancellationToken ct) =>
        await IsJournaledAsync(system, persistenceId, ct) ? await AskAsync(region, requestId, ct) : RequestView.Unknown(feature, requestId);

    /// <summary>
    /// Whether the journal holds events for <paramref name="persistenceId"/>: its highest sequence number, as a recovery asks it (a
    /// replay of nothing). Any instance can ask: the journal is the shared database. Unsure (no answer in time) counts as yes, so the
    /// actor is asked.
    /// </summary>
    private static async Task<bool> IsJournaledAsync(ActorSystem system, string persistenceId, CancellationToken ct)
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

    /// <summary>One region's answer; null when it did not come in time (no node with the role reachable, a busy shard).</summary>
    private static async Task<RequestView?> AskAsync(IActorRef region, string requestId, CancellationToken ct)
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
