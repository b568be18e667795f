namespace CertConnector.Adapters.Scep;

/// <summary>GetCACaps response (RFC 8894 §3.5.2): what this server implements, one keyword per line.</summary>
public static class ScepCapabilities
{
    public const string ContentType = "text/plain";

    public static readonly IReadOnlyList<string> Keywords =
    [
        "POSTPKIOperation", "SHA-256", "SHA-512", "AES", "DES3", "SCEPStandard", "Renewal", "GetNextCACert",
    ];

    /// <summary>LF-separated, as RFC 8894 shows it; clients split on any line break.</summary>
    public static string Text { get; } = string.Join("\n", Keywords);

    public static byte[] Body() => System.Text.Encoding.ASCII.GetBytes(Text);
}
