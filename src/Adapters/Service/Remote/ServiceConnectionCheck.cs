using CertConnector.Actors.Common;

namespace CertConnector.Adapters.Service.Remote;

/// <summary>A start-up problem with the service channel: its stable code and what the operator should do.</summary>
public sealed class ServiceConnectionException(string code, string message) : Exception(message)
{
    public string Code { get; } = code;
}

/// <summary>
/// Before any work in remote mode: gets a token and resolves every service the enabled features need, once each, so a
/// wrong URL, a rejected secret, a discovery answer without a needed service, a TLS or proxy failure stops the start
/// with its own message instead of surfacing later as failed requests.
/// </summary>
public static class ServiceConnectionCheck
{
    public static async Task CheckAsync(ServiceChannel channel, IReadOnlyList<string> services, CancellationToken cancellationToken)
    {
        var options = channel.Options;
        string token;
        try
        {
            token = await channel.Tokens.GetAsync(cancellationToken).ConfigureAwait(false);
        }
        catch (ConnectorFailureException e)
        {
            throw e.Code switch
            {
                ServiceFailureCodes.TlsFailure => new ServiceConnectionException(e.Code,
                    $"{Detail(e)} Install the CA that issued its certificate in the system trust store, or set Connector:Service:TrustedCertificates."),
                ServiceFailureCodes.ProxyFailure => new ServiceConnectionException(e.Code,
                    $"{Detail(e)} Check Connector:Service:Proxy and the proxy's rules."),
                ServiceFailureCodes.CredentialsRejected => new ServiceConnectionException(e.Code, e.Message),
                _ => new ServiceConnectionException(ServiceFailureCodes.TokenEndpointUnreachable,
                    $"{Detail(e)} Check Connector:Service:TokenUrl, the firewall{(options.Proxy is null ? " (or set Connector:Service:Proxy)" : " and Connector:Service:Proxy")}."),
            };
        }
        catch (OperationCanceledException)
        {
            throw new ServiceConnectionException(ServiceFailureCodes.TokenEndpointUnreachable, $"The token endpoint {options.TokenUrl} did not answer in time. Check Connector:Service:TokenUrl and the network path to it.");
        }

        foreach (var service in services.Distinct())
        {
            try
            {
                _ = await channel.Discovery.ResolveAsync(service, token, Guid.NewGuid().ToString(), cancellationToken).ConfigureAwait(false);
            }
            catch (ConnectorFailureException e)
            {
                throw e.Code switch
                {
                    ServiceFailureCodes.DiscoveryMissingService or ServiceFailureCodes.BadAnswer => new ServiceConnectionException(e.Code, e.Message),
                    ServiceFailureCodes.TlsFailure => new ServiceConnectionException(e.Code,
                        $"{Detail(e)} Install the CA that issued its certificate in the system trust store, or set Connector:Service:TrustedCertificates."),
                    _ => new ServiceConnectionException(ServiceFailureCodes.DiscoveryUnreachable,
                        $"{Detail(e)} Check Connector:Service:DiscoveryUrl, or set Connector:Service:PkiBaseUri/ScepBaseUri."),
                };
            }
            catch (ServiceHttpStatusException e)
            {
                throw new ServiceConnectionException(e.Status == 401 || e.Status == 403 ? ServiceFailureCodes.TokenRejected : ServiceFailureCodes.DiscoveryUnreachable,
                    e.Status is 401 or 403
                        ? $"The discovery endpoint {options.DiscoveryUrl} refused the connector's token (HTTP {e.Status}): the client ID is not authorized for the service. Check Connector:Service:ClientId and Scope."
                        : $"{e.Message} Check Connector:Service:DiscoveryUrl.");
            }
            catch (OperationCanceledException)
            {
                throw new ServiceConnectionException(ServiceFailureCodes.DiscoveryUnreachable, $"The discovery endpoint {options.DiscoveryUrl} did not answer in time.");
            }
        }
    }

    private static string Detail(ConnectorFailureException e)
    {
        var message = e.Message.TrimEnd();
        return message.EndsWith('.') ? message : message + ".";
    }
}
