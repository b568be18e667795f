namespace CertConnector.Host.Ca;

/// <summary>Publication of revocation status (<c>Connector:Publishing:...</c>): where relying parties find it, and for how long an answer holds.</summary>
public sealed class CaPublishingOptions
{
    /// <summary>
    /// The origin devices and relying parties use to reach the device-facing listener, e.g. <c>http://pki.example.com</c>;
    /// issued certificates carry <c>{PublicBaseUrl}/crl/&lt;ca&gt;.crl</c> and <c>{PublicBaseUrl}/ocsp</c>. Default: the SCEP
    /// listener's own URL (with 0.0.0.0 that is http://127.0.0.1:port, so set this when devices are on the network).
    /// </summary>
    public string? PublicBaseUrl { get; set; }

    /// <summary>nextUpdate - thisUpdate of the CRL; it is re-issued at half of this, and on every revocation.</summary>
    public TimeSpan CrlValidity { get; set; } = TimeSpan.FromHours(24);

    /// <summary>nextUpdate - thisUpdate of an OCSP answer; answers without a nonce are cached (ours and HTTP caches) for up to half of it.</summary>
    public TimeSpan OcspResponseValidity { get; set; } = TimeSpan.FromHours(1);

    /// <summary>The most the OCSP answer cache holds, in bytes (answers to requests without a nonce, one per set of CertIDs).
    /// A full cache drops stale answers, then any, to three quarters of this.</summary>
    public long OcspCacheBytes { get; set; } = Adapters.Revocation.OcspResponder.DefaultCacheBytes;
}
