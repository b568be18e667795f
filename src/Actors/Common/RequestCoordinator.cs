using Akka.Actor;
using Akka.Cluster;
using Akka.Pattern;
using CertConnector.Actors.Logging;

namespace CertConnector.Actors.Common;

/// <summary>Ask a feature's coordinator to download now (the admin API sends it after queueing a request).</summary>
public sealed record PollNow
{
    public static readonly PollNow Instance = new();
}

/// <summary>Request → whoever started it: it reached a terminal state and its result was uploaded.</summary>
public interface IRequestCompleted : IWithRequestId;

/// <summary>How a feature's coordinator pulls: batch size, interval, and the backpressure limit.</summary>
public sealed record PullSettings(int BatchSize, TimeSpan PollInterval, int MaxInFlight, TimeSpan InFlightTimeout, TimeSpan DownloadTimeout);

/// <summary>
/// What one feature's coordinator pulls and how it reports: its download call (the feature's service port), the
/// start message for one downloaded request, and its download event IDs.
/// </summary>
public sealed record PullSource(
    string Feature,
    Func<int, CancellationToken, Task<IReadOnlyList<IWithRequestId>>> DownloadAsync,
    Func<IWithRequestId, object> Start,
    EventDefinition DownloadSuccess,
    EventDefinition DownloadFailure,
    PullSettings Settings);

/// <summary>
/// One per node and feature with the feature's role: pulls batches from the service while it has room
/// (<see cref="PullSettings.MaxInFlight"/> is the backpressure) and hands each request to the shard region. A
/// request it already holds is not handed out twice; the request actor dedupes across nodes. Runs under a backoff
/// supervisor (<see cref="Supervised"/>): a crash restarts it with growing delays instead of a tight loop.
/// </summary>
public sealed class RequestCoordinator : ReceiveActor, IWithTimers
{
    private const string PollTimer = "poll";
    private const string ResendTimer = "resend";
    private const string NudgeTimer = "nudge";
    private const string ResendLateTimer = "resend-late";
    private static readonly TimeSpan ResendDelay = TimeSpan.FromSeconds(5);

    /// <summary>
    /// A second hand-over after a departure: the shard coordinator can take longer than <see cref="ResendDelay"/> to give the departed
    /// member's shards a new home (seen when the departed member restarts at once on the same address: 5 s after the removal the
    /// region still routed to its old incarnation, and the start went to dead letters). Without it such a request waits for the nudge.
    /// </summary>
    private static readonly TimeSpan ResendLateDelay = TimeSpan.FromSeconds(30);

    /// <summary>
    /// How often, and after how long in flight, a request not reported complete is handed to the region again. A start lost
    /// in a hand-over (sent to a shard on a member killed and restarted at once) waits at most twice this; a running actor
    /// ignores the repeat, so a short interval costs one message per long-running request. It was 2 minutes, and lost starts
    /// after a kill -9 under import/recrypt load then waited up to 4.
    /// </summary>
    private static readonly TimeSpan NudgeInterval = TimeSpan.FromSeconds(30);
    private readonly IActorRef _requests;
    private readonly PullSource _source;
    private readonly IConnectorEventLog _log;
    private readonly Dictionary<string, (DateTimeOffset Since, IWithRequestId Request)> _inFlight = new();
    private bool _downloading;

    public RequestCoordinator(IActorRef requestRegion, PullSource source, IConnectorEventLog log)
    {
        _requests = requestRegion;
        _source = source;
        _log = log;

        Receive<Poll>(_ => Download());
        Receive<PollNow>(_ => Download());
        Receive<Downloaded>(OnDownloaded);
        Receive<DownloadFailed>(f =>
        {
            _downloading = false;
            _log.Write(_source.DownloadFailure, null, $"Downloading {_source.Feature} requests failed. {f.Reason.Code}: {f.Reason.Message}",
                ("errorCode", f.Reason.Code));
            SchedulePoll();
        });
        // A member that departs (left, or downed after a kill -9) may have taken start messages with it: sent to a shard
        // it hosted before the request actor journaled them. Hand every request still in flight to the region again once
        // the member is gone (its shards move to a survivor); the request actor ignores a start it has already taken.
        // Not at once: the local shard region hears of the removal at the same time and would still route to the departed
        // member; after a pause it has dropped the member's regions and buffers until the shards have a new home.
        Receive<ClusterEvent.MemberRemoved>(removed =>
        {
            if (removed.Member.Address.Equals(Akka.Cluster.Cluster.Get(Context.System).SelfAddress)) return;
            Timers.StartSingleTimer(ResendTimer, ResendInFlight.Instance, ResendDelay);
            Timers.StartSingleTimer(ResendLateTimer, ResendInFlight.Instance, ResendLateDelay);
        });
        Receive<ResendInFlight>(_ =>
        {
            foreach (var (_, request) in _inFlight.Values) _requests.Tell(_source.Start(request));
        });
        // A start can also be lost on a live node: a shard that cannot load its remembered entities in time (the journal
        // overloaded) is stopped and restarted, and what was sent to it meanwhile goes to dead letters; a request actor whose
        // first persist times out stops. Nothing else would send the request again before its lease expires, and then this
        // node, still holding it in flight, would not either. So every NudgeInterval a request in flight for longer than
        // that is handed to the region again; a running request actor ignores it, a finished one reports completion again.
        Receive<NudgeInFlight>(_ =>
        {
            var cutoff = Now - NudgeInterval;
            foreach (var (since, request) in _inFlight.Values)
                if (since < cutoff) _requests.Tell(_source.Start(request));
        });
        Receive<ClusterEvent.IMemberEvent>(_ => { });
        Receive<IRequestCompleted>(c =>
        {
            if (_inFlight.Remove(c.RequestId) && !_downloading) Download(); // a free slot: fill it now
        });
    }

    public ITimerScheduler Timers { get; set; } = null!;

    private PullSettings Settings => _source.Settings;

    public static Props Props(IActorRef requestRegion, PullSource source, IConnectorEventLog log) =>
        Akka.Actor.Props.Create(() => new RequestCoordinator(requestRegion, source, log));

    /// <summary>The coordinator under a backoff supervisor that never gives up.</summary>
    public static Props Supervised(IActorRef requestRegion, PullSource source, IConnectorEventLog log) =>
        BackoffSupervisor.Props(Backoff.OnFailure(Props(requestRegion, source, log), $"{source.Feature}-coordinator",
            TimeSpan.FromSeconds(1), TimeSpan.FromMinutes(1), 0.2, maxNrOfRetries: -1));

    protected override void PreStart()
    {
        if (Context.System is ExtendedActorSystem { Provider: IClusterActorRefProvider })
            Akka.Cluster.Cluster.Get(Context.System).Subscribe(Self, ClusterEvent.SubscriptionInitialStateMode.InitialStateAsEvents, typeof(ClusterEvent.MemberRemoved));
        Self.Tell(Poll.Instance);
        Timers.StartPeriodicTimer(NudgeTimer, NudgeInFlight.Instance, NudgeInterval);
    }

    protected override void PostStop()
    {
        if (Context.System is ExtendedActorSystem { Provider: IClusterActorRefProvider }) Akka.Cluster.Cluster.Get(Context.System).Unsubscribe(Self);
    }

    private DateTimeOffset Now => Context.System.Scheduler.Now;

    private void Download()
    {
        if (_downloading) return;
        ExpireStaleSlots();
        var room = Math.Min(Settings.BatchSize, Settings.MaxInFlight - _inFlight.Count);
        if (room <= 0)
        {
            SchedulePoll();
            return;
        }
        _downloading = true;
        var (download, timeout) = (_source.DownloadAsync, Settings.DownloadTimeout);
        Task.Run(async () =>
        {
            using var cancel = new CancellationTokenSource(timeout);
            return (object)new Downloaded(await download(room, cancel.Token).ConfigureAwait(false));
        }).PipeTo(Self, failure: ex => new DownloadFailed(FailureReason.From(ex)));
    }

    private void OnDownloaded(Downloaded batch)
    {
        _downloading = false;
        var fresh = batch.Requests.Where(r => !_inFlight.ContainsKey(r.RequestId)).ToList();
        if (batch.Requests.Count > 0)
            _log.Write(_source.DownloadSuccess, null, $"Downloaded {batch.Requests.Count} {_source.Feature} request(s), {fresh.Count} new to this node.",
                ("count", batch.Requests.Count), ("requestIds", string.Join(",", batch.Requests.Select(r => r.RequestId))));
        foreach (var request in fresh)
        {
            _inFlight[request.RequestId] = (Now, request);
            _requests.Tell(_source.Start(request));
        }
        // A full batch means more may be waiting: ask again at once while there is room.
        if (batch.Requests.Count > 0 && fresh.Count == batch.Requests.Count && _inFlight.Count < Settings.MaxInFlight)
            Self.Tell(Poll.Instance);
        else
            SchedulePoll();
    }

    private void ExpireStaleSlots()
    {
        var cutoff = Now - Settings.InFlightTimeout;
        foreach (var id in _inFlight.Where(kv => kv.Value.Since < cutoff).Select(kv => kv.Key).ToList()) _inFlight.Remove(id);
    }

    private void SchedulePoll() => Timers.StartSingleTimer(PollTimer, Poll.Instance, Settings.PollInterval);

    private sealed record Poll
    {
        public static readonly Poll Instance = new();
    }

    private sealed record ResendInFlight
    {
        public static readonly ResendInFlight Instance = new();
    }

    private sealed record NudgeInFlight
    {
        public static readonly NudgeInFlight Instance = new();
    }

    private sealed record Downloaded(IReadOnlyList<IWithRequestId> Requests);
    private sealed record DownloadFailed(FailureReason Reason);
}
