namespace CertConnector.Actors.Ports;

/// <summary>
/// The client-request-id of the management-service call a piece of work made, for the events written about it afterwards (a
/// download's 1002, an upload's 1100): the caller opens a context around the work, the service client records each call's ID in
/// it (<see cref="Record"/>), and the caller reads the last one. Flows with the async work (AsyncLocal), so concurrent work of
/// other actors never sees it; outside a context, recording does nothing.
/// </summary>
public sealed class ServiceCallContext
{
    private static readonly AsyncLocal<ServiceCallContext?> Current = new();

    /// <summary>The ID of the last call made within the context; null when the work called no service (standalone mode).</summary>
    public string? ClientRequestId { get; private set; }

    /// <summary>Opens a context for the work that follows on this async flow (call at the start of the work's task).</summary>
    public static ServiceCallContext Begin()
    {
        var context = new ServiceCallContext();
        Current.Value = context;
        return context;
    }

    public static void Record(string clientRequestId)
    {
        if (Current.Value is { } context) context.ClientRequestId = clientRequestId;
    }
}
