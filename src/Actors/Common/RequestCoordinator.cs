using Akka.Actor;
using Akka.Pattern;
using CertConnector.Actors.Logging;
using CertConnector.Actors.Metrics;
using CertConnector.Actors.Ports;

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
/// request it already holds is not handed out twice by a download; the request actor dedupes across nodes. Runs under
/// a backoff supervisor (<see cref="Supervised"/>): a crash restarts it with growing delays instead of a tight loop.
/// <para>
/// The resend rule, the only one: every <see cref="ResendInterval"/>, each request that has been in flight for a whole
/// interval (handed out, not heard complete) is handed to the region again. A running request actor ignores the repeat;
/// a finished one reports completion again, which frees the slot. So a start that never reached its actor is
/// delivered again within two intervals of being handed out, or within one interval of its shard having a home again.
/// </para>
/// </summary>
public sealed class RequestCoordinator : ReceiveActor, IWithTimers
{
    private const string PollTimer = "poll";
    private const string ResendTimer = "resend";

    /// <summary>
    /// How often requests in flight are handed to the region again. Nothing tells this node that a start was lost, and
    /// it can be lost in several ways the coordinator cannot see: on a member that departs (left, or downed after a
    /// kill -9) before the actor journaled it; on a member killed and restarted at once on the same address, whose old
    /// incarnation the region may still route to for a while; on a live member whose shard is restarting (its remembered
    /// entities did not load in time) or whose request actor stopped on a journal time-out. Resending on a clock covers all
    /// of them without watching the cluster, and keeps resending until the shards have a home again, however long the
    /// shard coordinator takes. It also reaches a request actor that a shard hand-over restarted from the journal: it
    /// does not know who started it, so only a start makes it report completion back here. Short, because a lost
    /// start waits up to twice this; not shorter, because a request whose upload failed with a final error uploads again
    /// on each start (and logs that) while it waits for a fix.
    /// </summary>
    public static readonly TimeSpan ResendInterval = TimeSpan.FromSeconds(15);

    private readonly IActorRef _requests;
    private readonly PullSource _source;
    private readonly IConnectorEventLog _log;
    private readonly Dictionary<string, InFlight> _inFlight = new();
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
        Receive<Resend>(_ => ResendOverdue());
        Receive<IRequestCompleted>(c =>
        {
            if (Release(c.RequestId) && !_downloading) Download(); // a free slot: fill it now
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
        Self.Tell(Poll.Instance);
        Timers.StartPeriodicTimer(ResendTimer, Resend.Instance, ResendInterval);
    }

    /// <summary>A restarted coordinator starts with nothing in flight: what this one held leaves the gauge with it.</summary>
    protected override void PostStop() => ConnectorMetrics.CoordinatorInFlight.Add(-_inFlight.Count, FeatureTag);

    private DateTimeOffset Now => Context.System.Scheduler.Now;

    private KeyValuePair<string, object?> FeatureTag => new("feature", _source.Feature);

    private bool Release(string requestId)
    {
        if (!_inFlight.Remove(requestId)) return false;
        ConnectorMetrics.CoordinatorInFlight.Add(-1, FeatureTag);
        return true;
    }

    /// <summary>
    /// A request that saw a whole interval pass since it was handed out is handed out again, now and at every tick after;
    /// one handed out since the last tick waits for the next, so a burst just sent is not sent twice at once.
    /// Counted in ticks, not measured against the clock: a tick that fires a little early cannot skip a request.
    /// </summary>
    private void ResendOverdue()
    {
        foreach (var request in _inFlight.Values)
        {
            if (request.Overdue) _requests.Tell(_source.Start(request.Request));
            request.Overdue = true;
        }
    }

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
            var call = ServiceCallContext.Begin();
            var requests = await download(room, cancel.Token).ConfigureAwait(false);
            return (object)new Downloaded(requests, call.ClientRequestId);
        }).PipeTo(Self, failure: ex => new DownloadFailed(FailureReason.From(ex)));
    }

    private void OnDownloaded(Downloaded batch)
    {
        _downloading = false;
        var fresh = batch.Requests.Where(r => !_inFlight.ContainsKey(r.RequestId)).ToList();
        if (batch.Requests.Count > 0)
            _log.Write(new ConnectorEvent(_source.DownloadSuccess, $"Downloaded {batch.Requests.Count} {_source.Feature} request(s), {fresh.Count} new to this node.",
                null, new Dictionary<string, object?> { ["count"] = batch.Requests.Count, ["requestIds"] = string.Join(",", batch.Requests.Select(r => r.RequestId)) },
                batch.ClientRequestId));
        foreach (var request in fresh)
        {
            _inFlight[request.RequestId] = new InFlight(request, Now);
            ConnectorMetrics.CoordinatorInFlight.Add(1, FeatureTag);
            _requests.Tell(_source.Start(request));
        }
        // A full batch means more may be waiting: ask again at once while there is room.
        if (batch.Requests.Count > 0 && fresh.Count == batch.Requests.Count && _inFlight.Count < Settings.MaxInFlight)
            Self.Tell(Poll.Instance);
        else
            SchedulePoll();
    }

    /// <summary>
    /// Backpressure, not delivery: a request that has run longer than <see cref="PullSettings.InFlightTimeout"/> (a CA
    /// down for hours, retrying) gives its slot back so this node keeps pulling other work. It is no longer resent from
    /// here; its actor goes on by itself, and a later download of it hands it out afresh.
    /// </summary>
    private void ExpireStaleSlots()
    {
        var cutoff = Now - Settings.InFlightTimeout;
        foreach (var id in _inFlight.Where(kv => kv.Value.Since < cutoff).Select(kv => kv.Key).ToList()) Release(id);
    }

    private void SchedulePoll() => Timers.StartSingleTimer(PollTimer, Poll.Instance, Settings.PollInterval);

    /// <summary>A request handed out and not heard complete; <see cref="Overdue"/> once a resend tick has passed since.</summary>
    private sealed class InFlight(IWithRequestId request, DateTimeOffset since)
    {
        public IWithRequestId Request { get; } = request;
        public DateTimeOffset Since { get; } = since;
        public bool Overdue { get; set; }
    }

    private sealed record Poll
    {
        public static readonly Poll Instance = new();
    }

    private sealed record Resend
    {
        public static readonly Resend Instance = new();
    }

    private sealed record Downloaded(IReadOnlyList<IWithRequestId> Requests, string? ClientRequestId);
    private sealed record DownloadFailed(FailureReason Reason);
}
