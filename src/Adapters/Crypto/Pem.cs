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

    /// <summary>All certificates in a PEM (or DER) file, in file order.</summary>
    public static IReadOnlyList<X509Certificate> ReadCertificates(string path)
    {
        using var stream = File.OpenRead(path);
        return new X509CertificateParser().ReadCertificates(stream).ToList();
    }
}
