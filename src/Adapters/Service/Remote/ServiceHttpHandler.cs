using System.Net;
using System.Net.Security;
using System.Security.Authentication;
using System.Security.Cryptography.X509Certificates;

namespace CertConnector.Adapters.Service.Remote;

/// <summary>The one HTTP handler of the service channel: TLS 1.2+, the configured proxy (and only it), the client certificate,
/// no redirects (a 3xx is a failed attempt: the bearer token and the keys go only to configured or discovered https URIs).</summary>
public static class ServiceHttpHandler
{
    public static SocketsHttpHandler Create(RemoteServiceOptions options)
    {
        var handler = new SocketsHttpHandler
        {
            ConnectTimeout = options.AttemptTimeout,
            AllowAutoRedirect = false,
            PooledConnectionLifetime = TimeSpan.FromMinutes(5), // follow DNS changes of the service
            UseProxy = options.Proxy is not null, // never the environment's proxy: the setting is the whole truth
            Proxy = options.Proxy is null ? null : new WebProxy(options.Proxy, false, options.ProxyBypass.ToArray()),
            SslOptions = new SslClientAuthenticationOptions
            {
                EnabledSslProtocols = SslProtocols.Tls12 | SslProtocols.Tls13,
                RemoteCertificateValidationCallback = options.TrustedRoots.Count == 0 ? null : (_, cert, _, errors) => Trusted(cert, errors, options.TrustedRoots),
            },
        };
        if (options.ClientCertificate is { } clientCertificate)
            handler.SslOptions.ClientCertificates = new X509CertificateCollection { clientCertificate };
        return handler;
    }

    /// <summary>The system's trust, or a chain to one of the extra roots; a name mismatch is never accepted.</summary>
    private static bool Trusted(X509Certificate? certificate, SslPolicyErrors errors, X509Certificate2Collection roots)
    {
        if (errors == SslPolicyErrors.None) return true;
        if (certificate is null || errors != SslPolicyErrors.RemoteCertificateChainErrors) return false;
        using var chain = new X509Chain();
        chain.ChainPolicy.TrustMode = X509ChainTrustMode.CustomRootTrust;
        chain.ChainPolicy.CustomTrustStore.AddRange(roots);
        chain.ChainPolicy.RevocationMode = X509RevocationMode.NoCheck;
        return chain.Build(certificate as X509Certificate2 ?? X509CertificateLoader.LoadCertificate(certificate.GetRawCertData()));
    }
}
