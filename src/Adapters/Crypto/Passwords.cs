using System.Security.Cryptography;

namespace CertConnector.Adapters.Crypto;

/// <summary>Random passwords from the OS CSPRNG, as char arrays so callers can wipe them.</summary>
public static class Passwords
{
    // Letters and digits only: every PKCS#12 reader and shell accepts them unquoted. 62^32 is about 190 bits.
    private const string Alphabet = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789";

    public static char[] Generate(int length = 32) => RandomNumberGenerator.GetItems<char>(Alphabet, length);
}
