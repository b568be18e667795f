using CertConnector.Actors.Logging;
using CertConnector.Actors.Ports;

namespace CertConnector.Actors.Health;

/// <summary>
/// Counts each request's outcome, per feature, from the Admin channel (one event per request: Information is a
/// success, Error a failure), so the health message needs nothing from the features. Wraps the real event log.
/// </summary>
public sealed class HealthCounters : IConnectorEventLog
{
    private readonly IConnectorEventLog _inner;
    private readonly object _gate = new();
    private Dictionary<TaskCategory, (int Succeeded, int Failed)> _counts = new();

    public HealthCounters(IConnectorEventLog inner) => _inner = inner;

    public void Write(ConnectorEvent connectorEvent)
    {
        var d = connectorEvent.Definition;
        if (d.Channel == EventChannel.Admin)
            lock (_gate)
            {
                var (ok, failed) = _counts.GetValueOrDefault(d.Category);
                _counts[d.Category] = d.Level == EventLevel.Error ? (ok, failed + 1) : (ok + 1, failed);
            }
        _inner.Write(connectorEvent);
    }

    /// <summary>The counts since the last call, and zero from now.</summary>
    public IReadOnlyList<FeatureCounts> TakeSnapshot()
    {
        Dictionary<TaskCategory, (int Succeeded, int Failed)> taken;
        lock (_gate) (taken, _counts) = (_counts, new());
        return [.. taken.OrderBy(kv => kv.Key).Select(kv => new FeatureCounts(FeatureName(kv.Key), kv.Value.Succeeded, kv.Value.Failed))];
    }

    /// <summary>The names the health message uses: the event category in kebab case (<c>OneTwo</c> is <c>one-two</c>), which is
    /// each feature's CLI and role name; the categories are fixed by the event-ID contract.</summary>
    public static string FeatureName(TaskCategory category) =>
        System.Text.RegularExpressions.Regex.Replace(category.ToString(), "(?<=[a-z0-9])([A-Z])", "-$1").ToLowerInvariant();
}
