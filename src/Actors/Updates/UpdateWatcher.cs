using Akka.Actor;
using Akka.Hosting;
using CertConnector.Actors.Logging;

namespace CertConnector.Actors.Updates;

/// <summary>This instance's lifecycle as last computed, readable from any thread (status, node info, health message).</summary>
public sealed class CurrentLifecycle(Lifecycle initial)
{
    private volatile Lifecycle _value = initial;
    public Lifecycle Value => _value;
    internal void Set(Lifecycle value) => _value = value;
}

/// <param name="Version">the running version.</param>
/// <param name="Interval">between two checks of the feed; the first is at start.</param>
public sealed record UpdatePorts(IReleaseFeed Feed, IConnectorEventLog Log, CurrentLifecycle Current, string Version, TimeSpan Interval, TimeProvider Time);

/// <summary>Asks for a fresh check of the feed; answered with <see cref="UpdateCheckResult"/>. Local to the node.</summary>
public sealed record CheckForUpdates
{
    public static readonly CheckForUpdates Instance = new();
}

/// <param name="Manifest">the last accepted manifest (it stands when a later fetch is refused); null when none was ever accepted.</param>
/// <param name="Refusal">why the check just made was refused, if it was: the event's name and the reason.</param>
public sealed record UpdateCheckResult(Lifecycle Lifecycle, ReleaseManifest? Manifest, IReadOnlyList<Release> Newer, string? Refusal, DateTimeOffset CheckedAt);

/// <summary>
/// One per node: checks the release feed at start and every <see cref="UpdatePorts.Interval"/>, and on demand. A refused feed is
/// logged with its event and leaves the last accepted manifest standing. From an accepted one it computes the lifecycle, logs
/// <see cref="ConnectorInternalEvents.LifecycleStateChanged"/> when the state changes and <see cref="ConnectorInternalEvents.UpdateAvailable"/>
/// once per newest version. Checks run one at a time; askers arriving meanwhile get the answer of the check under way.
/// </summary>
public sealed class UpdateWatcher : ReceiveActor, IWithTimers
{
    private const string TickTimer = "tick";
    private readonly UpdatePorts _ports;
    private readonly List<IActorRef> _waiting = [];
    private ReleaseManifest? _manifest;
    private string? _announced;
    private bool _checking;

    public UpdateWatcher(UpdatePorts ports)
    {
        _ports = ports;
        Receive<Tick>(_ => Start(null));
        Receive<CheckForUpdates>(_ => Start(Sender));
        Receive<Checked>(OnChecked);
    }

    public ITimerScheduler Timers { get; set; } = null!;

    public static Props Props(UpdatePorts ports) => Akka.Actor.Props.Create(() => new UpdateWatcher(ports));

    protected override void PreStart()
    {
        Self.Tell(Tick.Instance);
        Timers.StartPeriodicTimer(TickTimer, Tick.Instance, _ports.Interval);
    }

    private void Start(IActorRef? asker)
    {
        if (asker is not null) _waiting.Add(asker);
        if (_checking) return;
        _checking = true;
        var feed = _ports.Feed;
        Task.Run(async () =>
        {
            using var timeout = new CancellationTokenSource(TimeSpan.FromMinutes(2));
            return new Checked(await feed.CheckAsync(timeout.Token).ConfigureAwait(false));
        }).PipeTo(Self, failure: e => new Checked(FeedCheck.Refused(ConnectorInternalEvents.UpdateFeedUnavailable, e.Message)));
    }

    private void OnChecked(Checked c)
    {
        _checking = false;
        var now = _ports.Time.GetUtcNow();
        var check = c.Check;
        if (check.Refusal is { } refusal)
            _ports.Log.Write(refusal, null, $"Release feed refused: {check.Reason}", ("reason", check.Reason));
        else
            _manifest = check.Manifest;
        var lifecycle = _manifest is null
            ? ReleaseLifecycle.Unknown(_ports.Version, $"No release feed accepted yet: {check.Reason}")
            : ReleaseLifecycle.Of(_ports.Version, _manifest.Releases, now);
        Announce(lifecycle);
        var newer = _manifest is null ? [] : ReleaseLifecycle.Newer(_ports.Version, _manifest.Releases);
        var result = new UpdateCheckResult(lifecycle, _manifest, newer, check.Refusal is { } r ? $"{r.Name}: {check.Reason}" : null, now);
        foreach (var asker in _waiting) asker.Tell(result);
        _waiting.Clear();
    }

    private void Announce(Lifecycle lifecycle)
    {
        var before = _ports.Current.Value;
        _ports.Current.Set(lifecycle);
        // An unknown state after a known one is a feed problem, already logged with its own event: the state as last known stands.
        if (lifecycle.State == LifecycleState.Unknown) return;
        if (before.State != lifecycle.State || before.SupersededBy != lifecycle.SupersededBy)
            _ports.Log.Write(ConnectorInternalEvents.LifecycleStateChanged, null, lifecycle.Message,
                ("state", lifecycle.State.ToString()), ("previousState", before.State.ToString()), ("version", lifecycle.Version),
                ("supportedUntil", lifecycle.SupportedUntil), ("mayStopWorkingAfter", lifecycle.MayStopWorkingAfter));
        if (lifecycle.State != LifecycleState.Current && lifecycle.Latest is { } latest && latest != _announced)
        {
            _announced = latest;
            _ports.Log.Write(ConnectorInternalEvents.UpdateAvailable, null, $"Version {latest} is available (this instance runs {lifecycle.Version}).",
                ("version", lifecycle.Version), ("available", latest));
        }
    }

    private sealed record Tick { public static readonly Tick Instance = new(); }
    private sealed record Checked(FeedCheck Check);
}

/// <summary>Registry key of this node's <see cref="UpdateWatcher"/>.</summary>
public sealed class UpdateWatcherKey;

public static class UpdateHosting
{
    /// <summary>The update watcher; <see cref="UpdatePorts"/> comes from DI.</summary>
    public static AkkaConfigurationBuilder AddUpdateWatcher(this AkkaConfigurationBuilder builder) =>
        builder.WithActors((system, registry, resolver) =>
            registry.Register<UpdateWatcherKey>(system.ActorOf(UpdateWatcher.Props(resolver.GetService<UpdatePorts>()), "update-watcher")));
}
