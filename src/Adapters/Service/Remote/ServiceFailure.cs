using CertConnector.Actors.Common;

namespace CertConnector.Adapters.Service.Remote;

/// <summary>
/// The stable codes of the service channel's failures: the start-up check turns each into its own message, and they
/// reach the request actors as the <see cref="ConnectorFailureException.Code"/>.
/// </summary>
public static class ServiceFailureCodes
{
    public const string TokenEndpointUnreachable = "ServiceTokenEndpointUnreachable";
    public const string CredentialsRejected = "ServiceCredentialsRejected";
    public const string TokenRejected = "ServiceTokenRejected";
    public const string DiscoveryUnreachable = "ServiceDiscoveryUnreachable";
    public const string DiscoveryMissingService = "ServiceDiscoveryMissingService";
    public const string TlsFailure = "ServiceTlsFailure";
    public const string ProxyFailure = "ServiceProxyFailure";
    public const string Unreachable = "ServiceUnreachable";
    public const string Unavailable = "ServiceUnavailable";
    public const string Timeout = "ServiceTimeout";
    public const string Rejected = "ServiceRejectedRequest";
    public const string NotAcknowledged = "ServiceNotAcknowledged";
    public const string BadAnswer = "ServiceBadAnswer";
}

/// <summary>What a transport exception means to an operator: TLS, the proxy, or the network.</summary>
internal static class TransportErrors
{
    public static (string Code, string Explanation) Classify(HttpRequestException e, string unreachableCode)
    {
        if (e.HttpRequestError == HttpRequestError.SecureConnectionError || e.InnerException is System.Security.Authentication.AuthenticationException)
            return (ServiceFailureCodes.TlsFailure, $"the TLS handshake failed ({Innermost(e).Message}); the server's certificate is not trusted, does not match the host name, or TLS 1.2+ is not offered");
        if (e.HttpRequestError == HttpRequestError.ProxyTunnelError)
            return (ServiceFailureCodes.ProxyFailure, $"the proxy refused or failed to connect ({Innermost(e).Message})");
        return (unreachableCode, Innermost(e).Message);
    }

    private static Exception Innermost(Exception e)
    {
        while (e.InnerException is not null) e = e.InnerException;
        return e;
    }

    public static ConnectorFailureException Failure(HttpRequestException e, string unreachableCode, string what)
    {
        var (code, explanation) = Classify(e, unreachableCode);
        return ConnectorFailureException.Transient(code, $"{what}: {explanation}.", e);
    }
}
