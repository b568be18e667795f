namespace CertConnector.Host.Admin;

/// <summary>PEM/DER helpers for the admin API and the CLI.</summary>
public static class Pem
{
    /// <summary>Accepts a PEM certificate or base64 DER; null when it is neither. Whether the bytes are a
    /// certificate is checked by the crypto adapter.</summary>
    public static byte[]? TryDecodeCertificate(string? text)
    {
        if (string.IsNullOrWhiteSpace(text)) return null;
        var body = text.Trim();
        const string begin = "-----BEGIN CERTIFICATE-----", end = "-----END CERTIFICATE-----";
        var b = body.IndexOf(begin, StringComparison.Ordinal);
        if (b >= 0)
        {
            var e = body.IndexOf(end, b, StringComparison.Ordinal);
            if (e < 0) return null;
            body = body[(b + begin.Length)..e];
        }
        try
        {
            var der = Convert.FromBase64String(string.Concat(body.Where(c => !char.IsWhiteSpace(c))));
            return der.Length > 0 ? der : null;
        }
        catch (FormatException)
        {
            return null;
        }
    }

    public static string EncodeCertificate(byte[] der) =>
        "-----BEGIN CERTIFICATE-----\n" + Convert.ToBase64String(der, Base64FormattingOptions.InsertLineBreaks).Replace("\r\n", "\n") +
        "\n-----END CERTIFICATE-----\n";
}
