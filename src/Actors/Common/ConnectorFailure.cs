namespace CertConnector.Actors.Common;

/// <summary>
/// An error a port reports with its classification. Retryable: network, 5xx, time-outs, CA busy.
/// Final: bad CSR, policy denial, unknown serial, unusable device certificate. A final error is never
/// retried. Exceptions of any other type that reach an actor are treated as retryable (and so are
/// bounded by the attempt limit), because we cannot prove they are the request's own fault.
/// </summary>
public sealed class ConnectorFailureException : Exception
{
    public ConnectorFailureException(string code, string message, bool retryable, Exception? inner = null)
        : base(message, inner)
    {
        Code = code;
        Retryable = retryable;
    }

    /// <summary>A short stable code (e.g. <c>CaUnavailable</c>, <c>BadDeviceCertificate</c>).</summary>
    public string Code { get; }

    public bool Retryable { get; }

    public static ConnectorFailureException Final(string code, string message, Exception? inner = null) => new(code, message, false, inner);
    public static ConnectorFailureException Transient(string code, string message, Exception? inner = null) => new(code, message, true, inner);
}

/// <summary>How a failure is recorded in events and results.</summary>
public sealed record FailureReason(string Code, string Message, bool Retryable)
{
    public static FailureReason From(Exception exception) => exception switch
    {
        ConnectorFailureException c => new(c.Code, c.Message, c.Retryable),
        AggregateException { InnerExceptions.Count: 1 } a => From(a.InnerExceptions[0]),
        OperationCanceledException => new("Timeout", "The operation timed out.", true),
        TimeoutException => new("Timeout", "The operation timed out (it did not end within its time-out and was abandoned).", true),
        _ => new("Unexpected", $"{exception.GetType().Name}: {exception.Message}", true),
    };
}
