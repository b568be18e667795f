using System.Text;
using Org.BouncyCastle.Utilities.IO.Pem;
using Org.BouncyCastle.X509;

namespace CertConnector.Adapters.Crypto;

/// <summary>PEM for certificates, the form OpenSSL and operators expect on disk.</summary>
public static class Pem
{
    public static string Certificates(IEnumerable<X509Certificate> certificates)
    {
        var text = new StringBuilder();
        using var writer = new StringWriter(text);
        var pem = new PemWriter(writer);
        foreach (var certificate in certificates) pem.WriteObject(new PemObject("CERTIFICATE", certificate.GetEncoded()));
        writer.Flush();
        return text.ToString();
    }

    public static string Certificate(X509Certificate certificate) => Certificates([certificate]);

    /// <summary>PEM of DER-encoded certificates (what the ports carry).</summary>
    public static string Certificates(IEnumerable<byte[]> certificatesDer) => Certificates(certificatesDer.Select(der => new X509Certificate(der)));

    /// <summary>
    /// A certificate given as PEM or as bare base64 DER (what the admin API accepts); null when it is
    /// neither. Whether the bytes are a usable certificate is the caller's next check.
    /// </summary>
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

    /// <summary>All certificates in a PEM (or DER) file, in file order.</summary>
    public static IReadOnlyList<X509Certificate> ReadCertificates(string path)
    {
        using var stream = File.OpenRead(path);
        return new X509CertificateParser().ReadCertificates(stream).ToList();
    }
}
