namespace CertConnector.Actors.Ports;

/// <summary>
/// Plaintext that must live only in memory (a PFX password, a decrypted payload): zeroed on <see cref="Dispose"/>. Never
/// persisted, logged or serialized: it is not a record and has no serializer binding.
/// </summary>
public sealed class SecretBytes(byte[] bytes) : IDisposable
{
    private byte[]? _bytes = bytes;

    public ReadOnlySpan<byte> Span => _bytes ?? throw new ObjectDisposedException(nameof(SecretBytes));

    public int Length => _bytes?.Length ?? 0;

    public void Dispose()
    {
        if (_bytes is { } b) Array.Clear(b);
        _bytes = null;
    }

    public override string ToString() => $"SecretBytes({Length} bytes)"; // never the content
}

/// <summary>
/// The connector key as the import and recrypt features use it: the one RSA key pair every instance holds (docs/DESIGN.md §6.5). All
/// failures are <see cref="Common.ConnectorFailureException"/>s: <see cref="KeyUnavailableCode"/> is retryable (this
/// instance lacks the key), everything about the input (padding, a password that does not open the PFX, an envelope
/// not addressed to the key, an unusable recipient certificate) is final.
/// </summary>
public interface IConnectorKeyCipher
{
    public const string KeyUnavailableCode = "ConnectorKeyUnavailable";

    /// <summary>
    /// Decrypts the PFX password (RSA-OAEP with the request's padding), checks it opens the PFX and that the PFX holds a
    /// private key and a certificate, and envelopes the password to the device certificate (CMS EnvelopedData, DER).
    /// The plaintext password is cleared before this returns.
    /// </summary>
    byte[] ReencryptPfxPassword(PkcsImportRequest request, DateTimeOffset now);

    /// <summary>Opens a CMS EnvelopedData addressed to the connector key.</summary>
    SecretBytes OpenPayload(byte[] envelopedData);

    /// <summary>Envelopes <paramref name="content"/> to <paramref name="recipientCertificate"/> (DER X.509).</summary>
    byte[] SealPayload(SecretBytes content, byte[] recipientCertificate, DateTimeOffset now);
}
