using CertConnector.Adapters.Files;
using CertConnector.Adapters.Crypto;

namespace CertConnector.Adapters.Ca.BuiltIn;

/// <summary>Where the key-file passphrase comes from when the operator does not supply one.</summary>
public static class CaPassphrase
{
    public const string EnvironmentVariable = "CERTCONNECTOR_CA_PASSPHRASE";
    public const string MasterKeyFileName = "master.key";

    /// <summary>
    /// The environment variable if set; else <c>master.key</c> in <paramref name="directory"/>, created once with
    /// 48 random characters and mode 0600. The file protects the keys only against copies of the key files
    /// without it (backups, a leaked volume snapshot); an operator who wants more sets the variable from a vault.
    /// </summary>
    /// <summary>
    /// The environment variable, which a cluster must set (the same on every instance): its CA keys live in the shared
    /// database, and a master.key in one instance's directory would leave the others unable to read them.
    /// </summary>
    public static char[] Required()
    {
        var fromEnvironment = Environment.GetEnvironmentVariable(EnvironmentVariable);
        if (string.IsNullOrEmpty(fromEnvironment))
            throw new InvalidOperationException(
                $"A cluster keeps its CA keys encrypted in the shared database: set {EnvironmentVariable} to one passphrase, the same on every instance.");
        return fromEnvironment.ToCharArray();
    }

    public static char[] Default(string directory)
    {
        var fromEnvironment = Environment.GetEnvironmentVariable(EnvironmentVariable);
        if (!string.IsNullOrEmpty(fromEnvironment)) return fromEnvironment.ToCharArray();

        var path = Path.Combine(directory, MasterKeyFileName);
        if (!File.Exists(path))
        {
            var generated = Passwords.Generate(48);
            try
            {
                SecureFiles.WriteNew(path, new string(generated));
            }
            catch (IOException) when (File.Exists(path))
            {
                // Another process created it first: use theirs.
            }
            finally
            {
                Array.Clear(generated);
            }
        }
        return File.ReadAllText(path).Trim().ToCharArray();
    }
}
