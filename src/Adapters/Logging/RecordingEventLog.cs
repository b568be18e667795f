using CertConnector.Actors.Logging;

namespace CertConnector.Adapters.Logging;

/// <summary>
/// Keeps every event in memory (thread-safe), for tests and benchmarks that assert on event IDs.
/// Optionally forwards each event to another log, e.g. to keep the files while recording.
/// </summary>
public sealed class RecordingEventLog(IConnectorEventLog? forwardTo = null) : IConnectorEventLog
{
    private readonly object _gate = new();
    private readonly List<ConnectorEvent> _events = [];

    public void Write(ConnectorEvent connectorEvent)
    {
        if (connectorEvent is null) return;
        lock (_gate) _events.Add(connectorEvent);
        forwardTo?.Write(connectorEvent);
    }

    /// <summary>A snapshot of all events so far, in the order written.</summary>
    public IReadOnlyList<ConnectorEvent> Events
    {
        get { lock (_gate) return _events.ToArray(); }
    }

    /// <summary>The event IDs so far, in order; handy for asserting a request's sequence.</summary>
    public IReadOnlyList<int> Ids => Events.Select(e => e.Definition.Id).ToArray();

    public int Count(EventDefinition definition)
    {
        lock (_gate) return _events.Count(e => e.Definition.Id == definition.Id);
    }

    public int Count(EventDefinition definition, string requestId)
    {
        lock (_gate) return _events.Count(e => e.Definition.Id == definition.Id && e.RequestId == requestId);
    }

    public bool Contains(EventDefinition definition, string? requestId = null) =>
        requestId is null ? Count(definition) > 0 : Count(definition, requestId) > 0;

    public IReadOnlyList<ConnectorEvent> Of(EventDefinition definition)
    {
        lock (_gate) return _events.Where(e => e.Definition.Id == definition.Id).ToArray();
    }

    public IReadOnlyList<ConnectorEvent> ForRequest(string requestId)
    {
        lock (_gate) return _events.Where(e => e.RequestId == requestId).ToArray();
    }

    public void Clear()
    {
        lock (_gate) _events.Clear();
    }
}
