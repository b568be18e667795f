using Akka.Actor;
using CertConnector.Actors.Common;
using CertConnector.Actors.Logging;
using CertConnector.Actors.Metrics;
using CertConnector.Actors.Ports;

namespace CertConnector.Actors.Health;

/// <summary>The ports the health reporter needs, resolved once per node.</summary>
/// <param name="Lifecycle">the instance's lifecycle, reported in every message; null: not reported.</param>
public sealed record HealthPorts(IHealthService Service, ICaHealthProbe Ca, HealthCounters Counters, IConnectorEventLog Log, HealthIdentity Identity, HealthOptions Options,
    Updates.CurrentLifecycle? Lifecycle = null);

/// <summary>
/// One per node: every <see cref="HealthOptions.Interval"/> takes the outcome counts since the last message, asks the CA
/// how it is, and uploads one health message (5000). A failed upload is retried after a pause (5001) up to
/// <see cref="HealthOptions.MaxAttempts"/>, then given up (5002); the counts of a message given up go into the next one,
/// so none is lost. A tick while a message is still being tried adds nothing: its counts wait for the next tick.
/// </summary>
public sealed class HealthReporter : ReceiveActor, IWithTimers
{
    private const string TickTimer = "tick";
    private const string RetryTimer = "retry";
    private readonly HealthPorts _ports;
    private IReadOnlyList<FeatureCounts> _carried = [];
    private (HealthMessage Message, int Attempt)? _pending;
    private bool _sending;
    private HealthOutcome? _last;

    public HealthReporter(HealthPorts ports)
    {
        _ports = ports;
        Receive<Tick>(_ => OnTick());
        Receive<GetHealthOutcome>(_ => Sender.Tell(new LastHealthOutcome(_last)));
        Receive<Retry>(_ => Send());
        Receive<Built>(b =>
        {
            _pending = (b.Message, 1);
            _sending = false;
            Send();
        });
        Receive<Sent>(sent =>
        {
            _sending = false;
            var m = _pending!.Value.Message;
            _ports.Log.Write(new ConnectorEvent(ConnectorEvents.HealthMessageUploadSuccess,
                $"Health message uploaded: {string.Join(", ", m.Counts.Select(c => $"{c.Feature} {c.Succeeded} ok / {c.Failed} failed"))}.", null,
                new Dictionary<string, object?> { ["attempt"] = _pending.Value.Attempt, ["caReachable"] = m.CaReachable }, sent.ClientRequestId));
            _last = new HealthOutcome(Context.System.Scheduler.Now, true, _pending.Value.Attempt, false, null, null);
            ConnectorMetrics.HealthUploads.Add(1, new KeyValuePair<string, object?>("result", "succeeded"));
            _pending = null;
        });
        Receive<SendFailed>(f =>
        {
            _sending = false;
            var (message, attempt) = _pending!.Value;
            var givenUp = attempt >= _ports.Options.MaxAttempts;
            _last = new HealthOutcome(Context.System.Scheduler.Now, false, attempt, givenUp, f.Reason.Code, f.Reason.Message);
            ConnectorMetrics.HealthUploads.Add(1, new KeyValuePair<string, object?>("result", givenUp ? "given_up" : "retrying"));
            if (!givenUp)
            {
                var delay = _ports.Options.RetryDelay * attempt;
                _ports.Log.Write(ConnectorEvents.HealthMessageUploadFailedAttempt, null,
                    $"Uploading the health message failed (attempt {attempt} of {_ports.Options.MaxAttempts}); retrying in {delay.TotalSeconds:0} s. {f.Reason.Code}: {f.Reason.Message}",
                    ("attempt", attempt), ("errorCode", f.Reason.Code));
                _pending = (message, attempt + 1);
                Timers.StartSingleTimer(RetryTimer, Retry.Instance, delay);
                return;
            }
            _ports.Log.Write(ConnectorEvents.HealthMessageUploadFailure, null,
                $"Uploading the health message failed {attempt} times; given up. Its counts go into the next message. {f.Reason.Code}: {f.Reason.Message}",
                ("attempt", attempt), ("errorCode", f.Reason.Code));
            _carried = message.Counts;
            _pending = null;
        });
    }

    public ITimerScheduler Timers { get; set; } = null!;

    public static Props Props(HealthPorts ports) => Akka.Actor.Props.Create(() => new HealthReporter(ports));

    protected override void PreStart() => Timers.StartPeriodicTimer(TickTimer, Tick.Instance, _ports.Options.Interval);

    private void OnTick()
    {
        if (_pending is not null || _sending) return; // still trying the previous message: the counts keep accumulating
        var counts = Merge(_carried, _ports.Counters.TakeSnapshot());
        _carried = [];
        _sending = true;
        var (ports, at) = (_ports, Context.System.Scheduler.Now);
        Task.Run(async () =>
        {
            using var timeout = new CancellationTokenSource(ports.Options.UploadTimeout);
            var ca = await ports.Ca.ProbeAsync(timeout.Token).ConfigureAwait(false);
            return (object)new Built(new HealthMessage(ports.Identity.Instance, ports.Identity.Version, at, ports.Identity.Features, counts,
                ca.Reachable, DaysLeft(ca.CaNotAfter, at), DaysLeft(ca.RaNotAfter, at), ca.Error, ports.Lifecycle?.Value));
        }).PipeTo(Self, failure: ex => new Built(new HealthMessage(ports.Identity.Instance, ports.Identity.Version, at, ports.Identity.Features, counts,
            false, null, null, ex.Message, ports.Lifecycle?.Value)));
    }

    private void Send()
    {
        var (message, _) = _pending!.Value;
        _sending = true;
        var ports = _ports;
        Task.Run(async () =>
        {
            using var timeout = new CancellationTokenSource(ports.Options.UploadTimeout);
            var call = ServiceCallContext.Begin();
            await ports.Service.UploadHealthMessagesAsync([message], timeout.Token).ConfigureAwait(false);
            return (object)new Sent(call.ClientRequestId);
        }).PipeTo(Self, failure: ex => new SendFailed(FailureReason.From(ex)));
    }

    private static int? DaysLeft(DateTimeOffset? notAfter, DateTimeOffset now) => notAfter is { } n ? (int)Math.Floor((n - now).TotalDays) : null;

    public static IReadOnlyList<FeatureCounts> Merge(IReadOnlyList<FeatureCounts> a, IReadOnlyList<FeatureCounts> b) =>
        [.. a.Concat(b).GroupBy(c => c.Feature).OrderBy(g => g.Key, StringComparer.Ordinal)
            .Select(g => new FeatureCounts(g.Key, g.Sum(c => c.Succeeded), g.Sum(c => c.Failed)))];

    private sealed record Tick { public static readonly Tick Instance = new(); }
    private sealed record Retry { public static readonly Retry Instance = new(); }
    private sealed record Built(HealthMessage Message);
    private sealed record Sent(string? ClientRequestId);
    private sealed record SendFailed(FailureReason Reason);
}

/// <summary>Query for the status page: answered with <see cref="LastHealthOutcome"/>. Local to the node, never persisted.</summary>
public sealed record GetHealthOutcome
{
    public static readonly GetHealthOutcome Instance = new();
}

/// <summary>The reporter's answer: null before the first message was tried.</summary>
public sealed record LastHealthOutcome(HealthOutcome? Outcome);

/// <summary>
/// How the last attempt to upload a health message ended: accepted (5000), failed and retried (5001), or failed and given up (5002).
/// </summary>
public sealed record HealthOutcome(DateTimeOffset At, bool Succeeded, int Attempt, bool GivenUp, string? ErrorCode, string? ErrorMessage);
