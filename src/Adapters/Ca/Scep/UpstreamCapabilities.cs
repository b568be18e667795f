using CertConnector.Adapters.Scep;

namespace CertConnector.Adapters.Ca.Scep;

/// <summary>
/// What an upstream's GetCACaps offers (RFC 8894 §3.5.2) and the strongest of it this connector also speaks. With no
/// AES or DES3 keyword only single DES is left, with no SHA-2 keyword only SHA-1 or MD5: both are weak.
/// </summary>
public sealed record UpstreamCapabilities(IReadOnlySet<string> Keywords)
{
    public static UpstreamCapabilities Parse(string text) => new(
        text.Split(['\r', '\n'], StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries)
            .ToHashSet(StringComparer.OrdinalIgnoreCase));

    private bool Has(string keyword) => Keywords.Contains(keyword);

    /// <summary>SCEPStandard implies AES, SHA-256 and POST (RFC 8894 §3.5.2).</summary>
    private bool Standard => Has("SCEPStandard");

    public bool Post => Standard || Has("POSTPKIOperation");

    public string ContentAlgorithmOid =>
        Standard || Has("AES") ? ScepOids.Aes128Cbc
        : Has("DES3") ? ScepOids.DesEde3Cbc
        : ScepOids.DesCbc;

    public string DigestOid =>
        Has("SHA-512") ? ScepOids.Sha512
        : Standard || Has("SHA-256") ? ScepOids.Sha256
        : ScepOids.Sha1;

    /// <summary>One line saying which weak algorithms are all the upstream offers; null when it offers strong ones.</summary>
    public string? Weakness()
    {
        var weak = new List<string>();
        if (ContentAlgorithmOid == ScepOids.DesCbc) weak.Add("single DES encryption (no AES or DES3)");
        if (DigestOid == ScepOids.Sha1) weak.Add("SHA-1/MD5 digests (no SHA-256 or SHA-512)");
        return weak.Count == 0 ? null : string.Join(" and ", weak);
    }

    public override string ToString() => Keywords.Count == 0 ? "(none)" : string.Join(", ", Keywords.Order(StringComparer.Ordinal));
}
