namespace CertConnector.Host.Admin;

/// <summary>Limits of the admin API, bound from <c>Connector:Admin</c>.</summary>
public sealed class AdminOptions
{
    /// <summary>Most SANs one PKCS request or SCEP challenge may carry (each one ends up in the certificate).</summary>
    public int MaxSubjectAltNames { get; set; } = 50;

    /// <summary>
    /// Lets the admin API listen beyond loopback in plain http (<c>Connector:Admin:AllowPlainHttp</c>): only for a trusted
    /// network, since the admin token and every answer cross it in the clear. Otherwise keep it on loopback behind a TLS reverse proxy.
    /// </summary>
    public bool AllowPlainHttp { get; set; }
}
