using System.Security.Cryptography;
using System.Security.Cryptography.Pkcs;
using CertConnector.Actors.Common;

namespace CertConnector.Adapters.Crypto;

/// <summary>Checks that a password opens a PKCS#12 and that it holds a private key and a certificate, without importing either.</summary>
public static class PfxContents
{
    public const string MismatchCode = "PfxPasswordMismatch";
    public const string IncompleteCode = "PfxIncomplete";
    public const string BadPfxCode = "BadPfx";

    public static void Check(byte[] pfx, ReadOnlySpan<char> password)
    {
        Pkcs12Info info;
        try
        {
            info = Pkcs12Info.Decode(pfx, out var consumed, skipCopy: true);
            if (consumed != pfx.Length) throw new CryptographicException("trailing bytes after the PKCS#12");
        }
        catch (CryptographicException e)
        {
            throw ConnectorFailureException.Final(BadPfxCode, $"The PFX is not a PKCS#12 file ({e.Message}).", e);
        }
        if (info.IntegrityMode == Pkcs12IntegrityMode.Password && !info.VerifyMac(password))
            throw ConnectorFailureException.Final(MismatchCode, "The decrypted password does not open the PFX (its MAC does not verify with it).");

        bool hasKey = false, hasCertificate = false;
        foreach (var contents in info.AuthenticatedSafe)
        {
            try
            {
                if (contents.ConfidentialityMode == Pkcs12ConfidentialityMode.Password) contents.Decrypt(password);
            }
            catch (CryptographicException e)
            {
                throw ConnectorFailureException.Final(MismatchCode, $"The decrypted password does not open the PFX ({e.Message}).", e);
            }
            if (contents.ConfidentialityMode == Pkcs12ConfidentialityMode.PublicKey)
                throw ConnectorFailureException.Final(BadPfxCode, "The PFX has contents encrypted to a public key, which the connector cannot open.");
            foreach (var bag in contents.GetBags())
            {
                if (bag is Pkcs12ShroudedKeyBag or Pkcs12KeyBag) hasKey = true;
                if (bag is Pkcs12CertBag { IsX509Certificate: true }) hasCertificate = true;
            }
        }
        if (!hasKey || !hasCertificate)
            throw ConnectorFailureException.Final(IncompleteCode, (hasKey, hasCertificate) switch
            {
                (false, false) => "The PFX holds neither a private key nor a certificate.",
                (false, _) => "The PFX holds no private key.",
                _ => "The PFX holds no certificate.",
            });
    }
}
