namespace CertConnector.Adapters.Revocation;

/// <summary>A CA that publishes a CRL (not every backend does: an upstream SCEP CA does not).</summary>
public interface ICrlSource
{
    /// <summary>The current CRL, never one past its refresh time.</summary>
    CrlDocument CurrentCrl();

    /// <summary>The file name the CRL is published under, <c>/crl/&lt;name&gt;.crl</c>.</summary>
    string CrlFileName { get; }
}
