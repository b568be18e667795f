namespace CertConnector.Actors.Logging;

/// <summary>
/// One event as written to the Admin/Operational channels. <see cref="Properties"/> must never hold a
/// private key, a password or any other secret.
/// </summary>
public sealed record ConnectorEvent(
    EventDefinition Definition,
    string Message,
    string? RequestId = null,
    IReadOnlyDictionary<string, object?>? Properties = null,
    string? ClientRequestId = null);

/// <summary>
/// The event-ID log port. Implementations must not block the caller for long (actors call it inline)
/// and must never throw.
/// </summary>
public interface IConnectorEventLog
{
    void Write(ConnectorEvent connectorEvent);
}

public static class ConnectorEventLogExtensions
{
    public static void Write(this IConnectorEventLog log, EventDefinition definition, string? requestId, string message,
        params (string Key, object? Value)[] properties) =>
        log.Write(new ConnectorEvent(definition, message, requestId,
            properties.Length == 0 ? null : properties.ToDictionary(p => p.Key, p => p.Value)));
}
