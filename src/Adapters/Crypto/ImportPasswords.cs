using System.Security.Cryptography;
using CertConnector.Actors.Common;

namespace CertConnector.Adapters.Crypto;

/// <summary>
/// How an imported PFX's password travels: converted to bytes as the widely used import tooling does (the low byte of each
/// UTF-16 code unit, i.e. Latin-1 for the characters that survive it), then RSA-OAEP-encrypted to the connector key with
/// SHA-256, SHA-384 or SHA-512. PKCS#1 v1.5 and OAEP-SHA-1 are refused.
/// </summary>
public static class ImportPasswords
{
    public static IReadOnlyList<string> SupportedPaddings { get; } = ["oaepSha256", "oaepSha384", "oaepSha512"];

    /// <summary>The padding for a scheme name (case-insensitive), or a final <c>UnsupportedPadding</c> failure.</summary>
    public static RSAEncryptionPadding Padding(string? scheme) => scheme?.Trim().ToLowerInvariant() switch
    {
        "oaepsha256" => RSAEncryptionPadding.OaepSHA256,
        "oaepsha384" => RSAEncryptionPadding.OaepSHA384,
        "oaepsha512" => RSAEncryptionPadding.OaepSHA512,
        "pkcs1" or "pkcs1v15" or "pkcs1v1_5" or "none" => throw Unsupported(scheme, "PKCS#1 v1.5 padding is not accepted (it is open to padding-oracle attacks)"),
        "oaepsha1" or "oaep" => throw Unsupported(scheme, "OAEP with SHA-1 is not accepted"),
        _ => throw Unsupported(scheme, "unknown padding scheme"),
    };

    private static ConnectorFailureException Unsupported(string? scheme, string why) =>
        ConnectorFailureException.Final("UnsupportedPadding", $"Padding '{scheme}': {why}. Use one of: {string.Join(", ", SupportedPaddings)}.");

    /// <summary>
    /// The bytes the import tooling encrypts: each UTF-16 code unit's low byte. A character above U+00FF would lose its high
    /// byte and turn into another character, so the PFX would not open: it is refused, naming the character.
    /// </summary>
    public static byte[] ToBytes(ReadOnlySpan<char> password)
    {
        var bytes = new byte[password.Length];
        for (var i = 0; i < password.Length; i++)
        {
            var c = password[i];
            if (c > '\u00FF')
            {
                Array.Clear(bytes);
                throw new ArgumentException(
                    $"The password's character {i + 1} (U+{(int)c:X4}) is not a Latin-1 character: the import conversion keeps only the low byte of each " +
                    "UTF-16 code unit, so it would arrive as a different character and the PFX would not open. Choose a password of Latin-1 characters.");
            }
            bytes[i] = (byte)c;
        }
        return bytes;
    }

    /// <summary>The inverse of <see cref="ToBytes"/>: each byte is the character with that code. The caller clears the result.</summary>
    public static char[] ToChars(ReadOnlySpan<byte> bytes)
    {
        var chars = new char[bytes.Length];
        for (var i = 0; i < bytes.Length; i++) chars[i] = (char)bytes[i];
        return chars;
    }

    /// <summary>What <c>import encrypt-password</c> prints: the password converted and RSA-OAEP-encrypted to <paramref name="connectorKey"/>.</summary>
    public static byte[] Encrypt(ReadOnlySpan<char> password, RSA connectorKey, string paddingScheme)
    {
        var padding = Padding(paddingScheme);
        var bytes = ToBytes(password);
        try
        {
            return connectorKey.Encrypt(bytes, padding);
        }
        finally
        {
            CryptographicOperations.ZeroMemory(bytes);
        }
    }
}
