using Akka.Actor;
using CertConnector.Actors.Common;
using CertConnector.Actors.Logging;
using CertConnector.Actors.Ports;

namespace CertConnector.Actors.Pkcs;

/// <summary>Ask the coordinator to download now (the admin API sends it after queueing a request).</summary>
public sealed record PollPkcsNow
{
    public static readonly PollPkcsNow Instance = new();
}

/// <summary>
/// One per node with the <c>pkcs</c> role: pulls batches from the service while it has room
/// (<see cref="PkcsOptions.MaxInFlight"/> is the backpressure) and hands each request to the shard
/// region. A request it already holds is not handed out twice; the request actor dedupes across nodes.
/// Runs under a backoff supervisor: a crash restarts it with growing delays instead of a tight loop.
/// </summary>
public sealed class PkcsCoordinator : ReceiveActor, IWithTimers
{
    private const string PollTimer = "poll";
    private readonly IActorRef _requests;
    private readonly IPkcsService _service;
    private readonly IConnectorEventLog _log;
    private readonly PkcsOptions _options;
    private readonly Dictionary<string, DateTimeOffset> _inFlight = new();
    private bool _downloading;

    public PkcsCoordinator(IActorRef requestRegion, IPkcsService service, IConnectorEventLog log, PkcsOptions options)
    {
        _requests = requestRegion;
        _service = service;
        _log = log;
        _options = options;

        Receive<Poll>(_ => Download());
        Receive<PollPkcsNow>(_ => Download());
        Receive<Downloaded>(OnDownloaded);
        Receive<DownloadFailed>(f =>
        {
            _downloading = false;
            _log.Write(ConnectorEvents.PkcsDownloadFailure, null, $"Downloading PKCS requests failed. {f.Reason.Code}: {f.Reason.Message}",
                ("errorCode", f.Reason.Code));
            SchedulePoll();
        });
        Receive<PkcsRequestCompleted>(c =>
        {
            if (_inFlight.Remove(c.RequestId) && !_downloading) Download(); // a free slot: fill it now
        });
    }

    public ITimerScheduler Timers { get; set; } = null!;

    public static Props Props(IActorRef requestRegion, IPkcsService service, IConnectorEventLog log, PkcsOptions options) =>
        Akka.Actor.Props.Create(() => new PkcsCoordinator(requestRegion, service, log, options));

    protected override void PreStart() => Self.Tell(Poll.Instance);

    private DateTimeOffset Now => Context.System.Scheduler.Now;

    private void Download()
    {
        if (_downloading) return;
        ExpireStaleSlots();
        var room = Math.Min(_options.BatchSize, _options.MaxInFlight - _inFlight.Count);
        if (room <= 0)
        {
            SchedulePoll();
            return;
        }
        _downloading = true;
        var service = _service;
        Task.Run(async () =>
        {
            using var timeout = new CancellationTokenSource(_options.UploadTimeout);
            return (object)new Downloaded(await service.DownloadPkcsRequestsAsync(room, timeout.Token).ConfigureAwait(false));
        }).PipeTo(Self, failure: ex => new DownloadFailed(FailureReason.From(ex)));
    }

    private void OnDownloaded(Downloaded batch)
    {
        _downloading = false;
        var fresh = batch.Requests.Where(r => !_inFlight.ContainsKey(r.RequestId)).ToList();
        if (batch.Requests.Count > 0)
            _log.Write(ConnectorEvents.PkcsDownloadSuccess, null, $"Downloaded {batch.Requests.Count} PKCS request(s), {fresh.Count} new to this node.",
                ("count", batch.Requests.Count), ("requestIds", string.Join(",", batch.Requests.Select(r => r.RequestId))));
        foreach (var request in fresh)
        {
            _inFlight[request.RequestId] = Now;
            _requests.Tell(new StartPkcsRequest(request));
        }
        // A full batch means more may be waiting: ask again at once while there is room.
        if (batch.Requests.Count > 0 && fresh.Count == batch.Requests.Count && _inFlight.Count < _options.MaxInFlight)
            Self.Tell(Poll.Instance);
        else
            SchedulePoll();
    }

    private void ExpireStaleSlots()
    {
        var cutoff = Now - _options.InFlightTimeout;
        foreach (var id in _inFlight.Where(kv => kv.Value < cutoff).Select(kv => kv.Key).ToList()) _inFlight.Remove(id);
    }

    private void SchedulePoll() => Timers.StartSingleTimer(PollTimer, Poll.Instance, _options.PollInterval);

    private sealed record Poll
    {
        public static readonly Poll Instance = new();
    }

    private sealed record Downloaded(IReadOnlyList<PkcsRequest> Requests);
    private sealed record DownloadFailed(FailureReason Reason);
}
