using System.Security.Cryptography;
using Org.BouncyCastle.Security;
using Org.BouncyCastle.X509;
using BigInteger = Org.BouncyCastle.Math.BigInteger;

namespace CertConnector.Adapters.Crypto;

/// <summary>Serial numbers and thumbprints in the form the service API uses: upper-case hex, no separators.</summary>
public static class CertificateIds
{
    private static readonly SecureRandom Random = new();

    /// <summary>A positive, non-zero 128-bit serial: 16 random bytes with the top bit cleared (so the DER INTEGER needs no sign byte).</summary>
    public static BigInteger NewSerial()
    {
        var bytes = new byte[16];
        BigInteger serial;
        do
        {
            Random.NextBytes(bytes);
            bytes[0] &= 0x7F;
            serial = new BigInteger(1, bytes);
        } while (serial.SignValue == 0);
        return serial;
    }

    /// <summary>The serial's magnitude as upper-case hex of whole bytes (as Windows shows it).</summary>
    public static string SerialHex(BigInteger serial) => Convert.ToHexString(serial.ToByteArrayUnsigned());

    /// <summary>Accepts hex with optional colons, spaces or dashes and leading zeros; null if it is not hex.</summary>
    public static string? NormalizeSerial(string? text)
    {
        if (string.IsNullOrWhiteSpace(text)) return null;
        text = text.Trim();
        // Separators only between digits: "-1" is a negative number, not serial 01.
        if (!char.IsAsciiHexDigit(text[0]) || !char.IsAsciiHexDigit(text[^1])) return null;
        var hex = new string(text.Where(c => c is not (':' or ' ' or '-')).ToArray());
        if (hex.Length == 0 || !hex.All(char.IsAsciiHexDigit)) return null;
        var value = new BigInteger(hex, 16);
        return value.SignValue == 0 ? null : SerialHex(value);
    }

    public static string Thumbprint(byte[] certificateDer) => Convert.ToHexString(SHA1.HashData(certificateDer));

    public static string Thumbprint(X509Certificate certificate) => Thumbprint(certificate.GetEncoded());

    public static DateTimeOffset Utc(DateTime value) => new(DateTime.SpecifyKind(value, DateTimeKind.Utc));
}
