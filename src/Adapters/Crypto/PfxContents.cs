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
    public const string ThumbprintMismatchCode = "PfxThumbprintMismatch";

    /// <param name="thumbprint">when given (the service's <c>thumbprint</c>: SHA-1 of the certificate, hex, case and separators
    /// ignored), one certificate in the PFX must have it, so a PFX swapped for another is not delivered.</param>
    /// <param name="limits">checked on the structure before any key derivation (<see cref="PfxStructure"/>).</param>
    public static void Check(byte[] pfx, ReadOnlySpan<char> password, string? thumbprint = null, PfxLimits? limits = null)
    {
        limits ??= PfxLimits.Default;
        PfxStructure.Check(pfx, limits);
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
        if (info.IntegrityMode != Pkcs12IntegrityMode.Password)
            throw ConnectorFailureException.Final(PfxStructure.NoMacCode, "The PFX has no password MAC, so its integrity cannot be checked; export it with a MAC.");
        if (!info.VerifyMac(password))
            throw ConnectorFailureException.Final(MismatchCode, "The decrypted password does not open the PFX (its MAC does not verify with it).");

        bool hasKey = false, hasCertificate = false;
        var bags = 0;
        var thumbprints = new List<string>();
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
                bags = PfxStructure.CheckOpenedBag(bag, bags, limits);
                if (bag is Pkcs12ShroudedKeyBag or Pkcs12KeyBag) hasKey = true;
                if (bag is Pkcs12CertBag { IsX509Certificate: true } certificate)
                {
                    hasCertificate = true;
                    using var x509 = certificate.GetCertificate(); // the certificate alone: its key, if any, is a separate bag
                    thumbprints.Add(x509.Thumbprint);
                }
            }
        }
        if (!hasKey || !hasCertificate)
            throw ConnectorFailureException.Final(IncompleteCode, (hasKey, hasCertificate) switch
            {
                (false, false) => "The PFX holds neither a private key nor a certificate.",
                (false, _) => "The PFX holds no private key.",
                _ => "The PFX holds no certificate.",
            });
        if (thumbprint is { Length: > 0 } wanted)
        {
            var normalized = string.Concat(wanted.Where(char.IsAsciiHexDigit)).ToUpperInvariant();
            if (!thumbprints.Contains(normalized))
                throw ConnectorFailureException.Final(ThumbprintMismatchCode,
                    $"No certificate in the PFX has the thumbprint {wanted} the request names (it holds {string.Join(", ", thumbprints)}).");
        }
    }
}
