using System.Security.Cryptography;
using CertConnector.Adapters.Files;

namespace CertConnector.Host.Configuration;

/// <summary>
/// The data directory's layout, and the admin token: generated on first start (mode 0600) and read by
/// the CLI from there or from <c>CERTCONNECTOR_TOKEN</c>.
/// </summary>
public sealed class DataDirectory(string root)
{
    public const string TokenEnvironmentVariable = "CERTCONNECTOR_TOKEN";

    public string Root { get; } = Path.GetFullPath(root);
    public string TokenFile => Path.Combine(Root, "admin.token");
    /// <summary>The URL the admin API actually listens on (port 0 resolved), for the CLI.</summary>
    public string AdminUrlFile => Path.Combine(Root, "admin.url");
    /// <summary>A URL file a feature's device-facing listener writes (port 0 resolved), e.g. <c>scep.url</c>, for tests and the operator.</summary>
    public string UrlFile(string name) => Path.Combine(Root, name);
    /// <summary>Every URL file (<c>*.url</c>): stale once the connector stops.</summary>
    public IEnumerable<string> UrlFiles => Directory.Exists(Root) ? Directory.EnumerateFiles(Root, "*.url") : [];
    public string CaDirectory => Path.Combine(Root, "ca");
    public string LogDirectory => Path.Combine(Root, "logs");
    public string StandaloneDatabase => Path.Combine(Root, "standalone.db");
    /// <summary>Held exclusively by the running connector (see <see cref="DataDirectoryLock"/>).</summary>
    public string LockFile => Path.Combine(Root, "connector.lock");
    public string PidFile => Path.Combine(Root, "connector.pid");
    /// <summary>This instance's stable identity, e.g. as the holder of queue leases.</summary>
    public string InstanceIdFile => Path.Combine(Root, "instance.id");

    public void EnsureExists()
    {
        Directory.CreateDirectory(Root);
        if (!OperatingSystem.IsWindows())
            File.SetUnixFileMode(Root, UnixFileMode.UserRead | UnixFileMode.UserWrite | UnixFileMode.UserExecute);
    }

    public string EnsureToken()
    {
        if (File.Exists(TokenFile)) return File.ReadAllText(TokenFile).Trim();
        var token = Convert.ToHexString(RandomNumberGenerator.GetBytes(32)).ToLowerInvariant();
        SecureFiles.WriteNew(TokenFile, token + "\n");
        return token;
    }

    /// <summary>Writes a file so that a reader sees either nothing or all of it (a rename is atomic).</summary>
    public static void WriteWhole(string path, string text)
    {
        var temporary = path + ".tmp";
        File.WriteAllText(temporary, text);
        File.Move(temporary, path, overwrite: true);
    }

    public string EnsureInstanceId()
    {
        if (File.Exists(InstanceIdFile)) return File.ReadAllText(InstanceIdFile).Trim();
        var id = Guid.NewGuid().ToString("N");
        File.WriteAllText(InstanceIdFile, id + "\n");
        return id;
    }

    public string? ReadToken() =>
        Environment.GetEnvironmentVariable(TokenEnvironmentVariable) is { Length: > 0 } fromEnv ? fromEnv
        : File.Exists(TokenFile) ? File.ReadAllText(TokenFile).Trim() : null;

}
