using CertConnector.Adapters.Crypto.Pkcs11;
using CertConnector.Host.Configuration;

namespace CertConnector.Host.Ca;

/// <summary>
/// The PKCS#11 token that holds the built-in CA's keys (<c>Connector:Ca:Pkcs11:*</c>, used when <c>Connector:Ca:KeyStore</c>
/// is <c>pkcs11</c>). The PIN comes from the environment (<c>CERTCONNECTOR_Connector__Ca__Pkcs11__Pin</c>), appsettings.json
/// or a file, never from the command line, where every user of the machine could read it.
/// </summary>
public sealed class Pkcs11Settings
{
    /// <summary>The PKCS#11 module (shared library) of the HSM, e.g. <c>/usr/lib/softhsm/libsofthsm2.so</c>.</summary>
    public string? Module { get; set; }

    /// <summary>The label of the token (HSM partition, SoftHSM token) that holds the keys.</summary>
    public string? TokenLabel { get; set; }

    /// <summary>The user PIN. Refused on the command line; prefer <see cref="PinFile"/>.</summary>
    public string? Pin { get; set; }

    /// <summary>A file whose content (trailing whitespace removed) is the user PIN.</summary>
    public string? PinFile { get; set; }
}

/// <summary>Where the built-in CA keeps its keys: <c>file</c> (encrypted key files or shared-database rows, the default) or <c>pkcs11</c>.</summary>
public static class CaKeyStore
{
    public const string File = "file";
    public const string Pkcs11 = "pkcs11";

    /// <summary>The one setting that must never come from the command line.</summary>
    public const string PinSetting = "Connector:Ca:Pkcs11:Pin";

    /// <summary>The settings make sense together: a known key store, and for pkcs11 a module, a token and one PIN source.</summary>
    public static void Check(BuiltInCaSettings settings)
    {
        if (IsFile(settings)) return;
        if (!string.Equals(settings.KeyStore, Pkcs11, StringComparison.OrdinalIgnoreCase))
            throw new StartupException($"Connector:Ca:KeyStore '{settings.KeyStore}' is not supported: use '{File}' (default) or '{Pkcs11}'.");
        var p = settings.Pkcs11;
        if (string.IsNullOrWhiteSpace(p.Module)) throw new StartupException("Connector:Ca:KeyStore is pkcs11: set Connector:Ca:Pkcs11:Module to the HSM's PKCS#11 library.");
        if (string.IsNullOrWhiteSpace(p.TokenLabel)) throw new StartupException("Connector:Ca:KeyStore is pkcs11: set Connector:Ca:Pkcs11:TokenLabel to the label of the token that holds the CA keys.");
        if (string.IsNullOrEmpty(p.Pin) == string.IsNullOrEmpty(p.PinFile))
            throw new StartupException("Connector:Ca:KeyStore is pkcs11: give the token's user PIN as exactly one of Connector:Ca:Pkcs11:PinFile or the " +
                                       "environment variable CERTCONNECTOR_Connector__Ca__Pkcs11__Pin.");
    }

    /// <summary>The token for <c>pkcs11</c>, logged in; null for <c>file</c>. Any failure is one line for the operator.</summary>
    public static Pkcs11Token? Open(BuiltInCaSettings settings)
    {
        if (IsFile(settings)) return null;
        var p = settings.Pkcs11;
        string pin;
        if (p.PinFile is { Length: > 0 } file)
        {
            try
            {
                pin = System.IO.File.ReadAllText(file).TrimEnd();
            }
            catch (Exception e) when (e is IOException or UnauthorizedAccessException)
            {
                throw new StartupException($"The PKCS#11 PIN file '{file}' (Connector:Ca:Pkcs11:PinFile) cannot be read: {e.Message}");
            }
        }
        else pin = p.Pin!;
        try
        {
            return Pkcs11Token.Open(p.Module!, p.TokenLabel!, pin);
        }
        catch (InvalidOperationException e)
        {
            throw new StartupException(e.Message);
        }
    }

    private static bool IsFile(BuiltInCaSettings settings) =>
        string.IsNullOrEmpty(settings.KeyStore) || string.Equals(settings.KeyStore, File, StringComparison.OrdinalIgnoreCase);
}
