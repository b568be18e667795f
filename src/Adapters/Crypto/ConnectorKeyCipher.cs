using System.Security.Cryptography;
using System.Text;
using CertConnector.Actors.Common;
using CertConnector.Actors.Ports;
using CertConnector.Adapters.Scep;

namespace CertConnector.Adapters.Crypto;

/// <summary>Whether this instance holds the connector key, and if not, why (status and start-up say so).</summary>
public sealed class ConnectorKeyHolder(ConnectorKeyPair? key, string? problem = null)
{
    public ConnectorKeyPair? Key { get; } = key;
    public string? Problem { get; } = key is null ? problem ?? "This instance has no connector key." : null;
}

/// <summary>
/// <see cref="IConnectorKeyCipher"/> with the connector key: .NET RSA for the RSA operations, BouncyCastle for the CMS
/// structure (<see cref="CmsEnvelope"/>, and the SCEP <see cref="EnvelopeDecryptor"/>, which opens an envelope addressed to
/// one certificate with .NET RSA). Every plaintext copy made here is cleared before returning.
/// </summary>
/// <param name="pfxLimits">what an imported PFX may cost before any key is derived from its password.</param>
public sealed class ConnectorKeyCipher(ConnectorKeyHolder holder, PfxLimits? pfxLimits = null) : IConnectorKeyCipher
{
    private ConnectorKeyPair Key => holder.Key ?? throw ConnectorFailureException.Transient(IConnectorKeyCipher.KeyUnavailableCode,
        $"{holder.Problem} Another instance with the key can process the request; see 'certconnector status'.");

    public byte[] ReencryptPfxPassword(PkcsImportRequest request, DateTimeOffset now)
    {
        // First, and final: a PFX that would cost unbounded CPU fails for good here, even on an instance without the key.
        PfxStructure.Check(request.EncryptedPfxBlob, pfxLimits ?? PfxLimits.Default);
        var padding = ImportPasswords.Padding(request.PaddingScheme);
        var device = DeviceCertificate.Validate(request.DeviceCertificate, now);
        var key = Key;
        byte[] plain;
        try
        {
            plain = key.Rsa.Decrypt(request.EncryptedPfxPassword, padding);
        }
        catch (CryptographicException e)
        {
            throw ConnectorFailureException.Final("BadEncryptedPassword",
                $"The PFX password cannot be decrypted with the connector key ({key.Fingerprint[..16]}) and {request.PaddingScheme}: it was encrypted to another key or with another padding.", e);
        }
        var chars = ImportPasswords.ToChars(plain);
        byte[]? utf8 = null;
        try
        {
            PfxContents.Check(request.EncryptedPfxBlob, chars, request.Thumbprint, pfxLimits);
            // The device gets the password as UTF-8, the form openssl and .NET turn back into the same characters.
            utf8 = Encoding.UTF8.GetBytes(chars);
            return CmsEnvelope.Encrypt(utf8, device);
        }
        finally
        {
            CryptographicOperations.ZeroMemory(plain);
            Array.Clear(chars);
            if (utf8 is not null) CryptographicOperations.ZeroMemory(utf8);
        }
    }

    public SecretBytes OpenPayload(byte[] envelopedData)
    {
        var key = Key;
        try
        {
            return new SecretBytes(EnvelopeDecryptor.Open(envelopedData, key.Certificate, key.PrivateKey).Content);
        }
        catch (ScepDecodeException e)
        {
            throw ConnectorFailureException.Final("BadPayload", $"The payload cannot be opened with the connector key: {e.Message}.", e);
        }
    }

    public byte[] SealPayload(SecretBytes content, byte[] recipientCertificate, DateTimeOffset now)
    {
        var recipient = DeviceCertificate.Validate(recipientCertificate, now);
        var copy = content.Span.ToArray();
        try
        {
            return CmsEnvelope.Encrypt(copy, recipient);
        }
        finally
        {
            CryptographicOperations.ZeroMemory(copy);
        }
    }
}
