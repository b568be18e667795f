namespace CertConnector.Host.Tests.Packaging;

/// <summary>
/// A test that installs a Debian package system-wide, creates a system user and writes to /etc and /var/lib: it runs only as
/// root, and only where no certconnector package or user is there already (it would replace an operator's installation).
/// </summary>
public sealed class RootFactAttribute : FactAttribute
{
    public RootFactAttribute()
    {
        if (!System.Environment.IsPrivilegedProcess)
            Skip = "Installs the Debian package system-wide (dpkg -i, a system user, /etc, /var/lib): needs root. Run it on a disposable machine or CI.";
        else if (Directory.Exists("/var/lib/certconnector") || Directory.Exists("/etc/certconnector") || File.Exists("/usr/lib/certconnector/certconnector")
                 || File.ReadLines("/etc/passwd").Any(l => l.StartsWith("certconnector:", StringComparison.Ordinal)))
            Skip = "A certconnector installation (or user) is already on this machine: the test would replace it, and its purge would delete it.";
        else if (new[] { "dpkg-deb", "systemd-analyze", "setpriv", "unshare", "scepclient" }.FirstOrDefault(t => !OnPath(t)) is { } missing)
            Skip = $"'{missing}' is not installed (Debian packages: dpkg, systemd, util-linux, scep).";
    }

    private static bool OnPath(string tool) =>
        (System.Environment.GetEnvironmentVariable("PATH") ?? "").Split(':').Any(d => d.Length > 0 && File.Exists(Path.Combine(d, tool)));
}
