namespace CertConnector.Host.Admin;

/// <summary>Limits of the admin API, bound from <c>Connector:Admin</c>.</summary>
public sealed class AdminOptions
{
    /// <summary>Most SANs one PKCS request or SCEP challenge may carry (each one ends up in the certificate).</summary>
    public int MaxSubjectAltNames { get; set; } = 50;
}
