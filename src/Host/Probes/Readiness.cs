using Akka.Actor;
using Akka.Cluster;
using Akka.Pattern;
using CertConnector.Actors.Logging;
using CertConnector.Actors.Ports;
using CertConnector.Adapters.Service.Standalone;
using CertConnector.Host.Ca.Named;
using CertConnector.Host.Configuration;

namespace CertConnector.Host.Probes;

/// <summary>One check of <c>/readyz</c>: its name, whether it passed, and (when not) what failed, in words that hold no secret.</summary>
public sealed record ProbeCheck(string Name, bool Ok, string? Failure = null);

/// <summary>The body of <c>/readyz</c>.</summary>
public sealed record ReadinessReport(string Status, DateTimeOffset CheckedAt, IReadOnlyList<ProbeCheck> Checks)
{
    public const string ReadyStatus = "ready";
    public bool Ready => Status == ReadyStatus;
}

/// <summary>
/// Whether this instance can take work: its cluster member is Up, the database answers, each configured CA answers a probe, and each
/// enabled feature's shard region (and coordinator, for a pulled feature) is running. A load balancer may ask as often as it likes and
/// anyone who reaches the listener may too, so the checks run at most once per <see cref="CacheFor"/>, shared by every request in that
/// time (one round in flight at most), each bounded by <see cref="CheckTimeout"/>. Why a check failed, in detail, goes to the
/// Operational log (0200) when readiness changes; the answer says only which check failed and how, never an address, path or string
/// from the configuration.
/// </summary>
public sealed class Readiness(ActorSystem system, ConnectorOptions options, IServiceProvider services, CertificateAuthorities cas, CaCalls calls,
    StandaloneDatabase database, IConnectorEventLog log, TimeProvider time)
{
    public static readonly TimeSpan CacheFor = TimeSpan.FromSeconds(1);
    public static readonly TimeSpan CheckTimeout = TimeSpan.FromSeconds(2);

    private readonly Lock _gate = new();
    private Task<ReadinessReport>? _current;
    private bool? _wasReady;

    /// <summary>The latest report: the one being made, one made within <see cref="CacheFor"/>, or a new one.</summary>
    public Task<ReadinessReport> CheckAsync()
    {
        lock (_gate)
        {
            if (_current is { } current && (!current.IsCompleted || time.GetUtcNow() - current.Result.CheckedAt < CacheFor)) return current;
            return _current = Task.Run(RunAsync);
        }
    }

    private async Task<ReadinessReport> RunAsync()
    {
        var checks = new List<Task<(ProbeCheck Check, string? Detail)>> { Bounded("cluster", ClusterAsync), Bounded("database", DatabaseAsync) };
        checks.AddRange(cas.All.Select(ca => Bounded($"ca:{ca.Name}", () => CaAsync(ca))));
        checks.AddRange(options.EnabledFeatures.Select(f => Bounded($"feature:{f.Name}", () => FeatureAsync(f))));
        var results = await Task.WhenAll(checks).ConfigureAwait(false);
        var ready = results.All(r => r.Check.Ok);
        var report = new ReadinessReport(ready ? ReadinessReport.ReadyStatus : "not ready", time.GetUtcNow(), [.. results.Select(r => r.Check)]);
        ReportChange(ready, results);
        return report;
    }

    private void ReportChange(bool ready, IReadOnlyList<(ProbeCheck Check, string? Detail)> results)
    {
        lock (_gate)
        {
            if (_wasReady == ready) return;
            _wasReady = ready;
        }
        if (ready) log.Write(ConnectorInternalEvents.Ready, null, "The instance is ready: every readiness check passed.");
        else
        {
            var failed = results.Where(r => !r.Check.Ok).ToList();
            log.Write(ConnectorInternalEvents.NotReady, null,
                $"The instance is not ready: {string.Join("; ", failed.Select(r => $"{r.Check.Name}: {r.Detail ?? r.Check.Failure}"))}.",
                ("failedChecks", string.Join(",", failed.Select(r => r.Check.Name))));
        }
    }

    /// <summary>
    /// Runs one check; one that throws, or overruns <see cref="CheckTimeout"/> and a grace (a check that ignores its own time-out), fails
    /// without holding up the others. The grace lets a check that does keep its time-out report that in its own words.
    /// </summary>
    private static async Task<(ProbeCheck, string?)> Bounded(string name, Func<Task<(bool Ok, string? Failure, string? Detail)>> check)
    {
        try
        {
            var (ok, failure, detail) = await Task.Run(check).WaitAsync(CheckTimeout + TimeSpan.FromSeconds(1)).ConfigureAwait(false);
            return (new ProbeCheck(name, ok, ok ? null : failure), detail);
        }
        catch (TimeoutException)
        {
            return (new ProbeCheck(name, false, "no answer in time"), null);
        }
        catch (Exception e)
        {
            return (new ProbeCheck(name, false, "check failed"), $"{e.GetType().Name}: {e.Message}");
        }
    }

    private Task<(bool, string?, string?)> ClusterAsync()
    {
        var status = Cluster.Get(system).SelfMember.Status;
        return Task.FromResult<(bool, string?, string?)>((status == MemberStatus.Up, $"cluster member is {status}", null));
    }

    private async Task<(bool, string?, string?)> DatabaseAsync()
    {
        using var timeout = new CancellationTokenSource(CheckTimeout);
        try
        {
            await database.RunAsync(async connection =>
            {
                await using var command = StandaloneStore.Command(connection, null, "SELECT 1");
                return await command.ExecuteScalarAsync(timeout.Token).ConfigureAwait(false);
            }, timeout.Token).ConfigureAwait(false);
            return (true, null, null);
        }
        catch (Exception e) when (e is not OperationCanceledException)
        {
            return (false, "database unreachable", $"{e.GetType().Name}: {e.Message}");
        }
    }

    private async Task<(bool, string?, string?)> CaAsync(NamedCa ca)
    {
        await calls.ProbeAsync(ca, CheckTimeout, CancellationToken.None).ConfigureAwait(false);
        var last = calls.Last(ca.Name);
        return (last?.Answered == true, "CA did not answer its probe", last?.Error);
    }

    private async Task<(bool, string?, string?)> FeatureAsync(Features.ConnectorFeature feature)
    {
        if (feature.RequestView is { } view)
        {
            var identity = await view.Region(services).Ask<ActorIdentity>(new Identify(feature.Name), CheckTimeout).ConfigureAwait(false);
            if (identity.Subject is null) return (false, "shard region not running", null);
        }
        if (feature.Coordinator is { } coordinator)
        {
            // The supervisor lives on; its child is the coordinator, absent while it backs off after a crash.
            var child = await coordinator(services).Ask<BackoffSupervisor.CurrentChild>(BackoffSupervisor.GetCurrentChild.Instance, CheckTimeout).ConfigureAwait(false);
            if (child.Ref is null || child.Ref.IsNobody()) return (false, "coordinator not running (restarting after a failure)", null);
        }
        return (true, null, null);
    }
}
