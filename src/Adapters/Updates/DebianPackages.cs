using System.Diagnostics;
using System.Text;

namespace CertConnector.Adapters.Updates;

/// <summary>A dpkg or dpkg-deb call that failed; the message carries the tool's own words.</summary>
public sealed class PackageToolException(string message) : Exception(message);

/// <summary>
/// The system's package manager, for <c>update apply</c> (run as root): what is installed, what a .deb is, install one, and
/// rebuild the installed package as a .deb (the rollback: dpkg keeps no copy of what it installed). Debian's own tools
/// judge versions and install: nothing here re-implements them.
/// </summary>
public sealed class DebianPackages(string package = "certconnector")
{
    private static readonly TimeSpan ToolTimeout = TimeSpan.FromMinutes(10); // dpkg waits for the package scripts (stop, start)

    /// <summary>The installed version, or null when the package is not installed.</summary>
    public string? InstalledVersion()
    {
        var (code, output, _) = Run("dpkg-query", ["-W", "-f=${db:Status-Abbrev}|${Version}", package]);
        if (code != 0) return null;
        var parts = output.Split('|');
        return parts.Length == 2 && parts[0].StartsWith("ii", StringComparison.Ordinal) ? parts[1].Trim() : null;
    }

    /// <summary>dpkg's order of versions: true when <paramref name="a"/> is later than <paramref name="b"/>.</summary>
    public static bool IsLater(string a, string b) => Run("dpkg", ["--compare-versions", a, "gt", b]).Code == 0;

    /// <summary>The package name and version a .deb file declares.</summary>
    public static (string Package, string Version) Fields(string deb)
    {
        var (code, output, error) = Run("dpkg-deb", ["-f", deb, "Package", "Version"]);
        if (code != 0) throw new PackageToolException($"{deb} is not a Debian package: {error.Trim()}");
        var fields = output.Split('\n', StringSplitOptions.RemoveEmptyEntries).Select(l => l.Split(':', 2)).Where(f => f.Length == 2)
            .ToDictionary(f => f[0].Trim(), f => f[1].Trim());
        return (fields.GetValueOrDefault("Package", ""), fields.GetValueOrDefault("Version", ""));
    }

    /// <summary>dpkg -i, keeping the operator's configuration files as they are; a downgrade (the rollback) is allowed.</summary>
    public void Install(string deb)
    {
        var (code, output, error) = Run("dpkg", ["-i", "--force-confold", "--force-downgrade", deb]);
        if (code != 0) throw new PackageToolException($"dpkg -i {deb} failed (exit {code}): {Last(error.Length > 0 ? error : output)}");
    }

    /// <summary>
    /// The installed package as a .deb in <paramref name="directory"/>: its files as they are now (configuration files
    /// included, so reinstalling it changes none), its control fields and its maintainer scripts. The directory should be
    /// on a RAM file system (/run): the configuration files include the secrets.
    /// </summary>
    public string Rebuild(string directory)
    {
        var version = InstalledVersion() ?? throw new PackageToolException($"{package} is not installed: nothing to keep for a rollback.");
        var stage = Path.Combine(directory, "stage");
        if (Directory.Exists(stage)) Directory.Delete(stage, recursive: true);
        var control = Directory.CreateDirectory(Path.Combine(stage, "DEBIAN")).FullName;
        var (code, listing, error) = Run("dpkg", ["-L", package]);
        if (code != 0) throw new PackageToolException($"dpkg -L {package} failed: {error.Trim()}");
        foreach (var path in listing.Split('\n', StringSplitOptions.RemoveEmptyEntries).Select(p => p.Trim()).Where(p => p.StartsWith('/') && p != "/."))
            CopyInto(stage, path);

        File.WriteAllText(Path.Combine(control, "control"), ControlFields(), new UTF8Encoding(false));
        foreach (var part in new[] { "conffiles", "preinst", "postinst", "prerm", "postrm" })
        {
            var source = $"/var/lib/dpkg/info/{package}.{part}";
            if (!File.Exists(source)) continue;
            var target = Path.Combine(control, part);
            File.Copy(source, target);
            File.SetUnixFileMode(target, part == "conffiles" ? (UnixFileMode)0b110_100_100 : (UnixFileMode)0b111_101_101);
        }
        var deb = Path.Combine(directory, $"{package}_{version}_rollback.deb");
        (code, _, error) = Run("dpkg-deb", ["--root-owner-group", "-Zgzip", "--build", stage, deb]);
        Directory.Delete(stage, recursive: true);
        if (code != 0) throw new PackageToolException($"dpkg-deb could not rebuild {package} {version}: {Last(error)}");
        return deb;
    }

    private static void CopyInto(string stage, string path)
    {
        var target = stage + path;
        // A directory first, even through a symbolic link: with merged /usr, the package's /lib is a link to usr/lib on the
        // system, but the package shipped a directory, and dpkg expects one.
        if (Directory.Exists(path))
        {
            Directory.CreateDirectory(target);
            File.SetUnixFileMode(target, File.GetUnixFileMode(path));
            return;
        }
        var info = new FileInfo(path);
        if (info.LinkTarget is { } link)
        {
            Directory.CreateDirectory(Path.GetDirectoryName(target)!);
            File.CreateSymbolicLink(target, link);
        }
        else if (info.Exists)
        {
            Directory.CreateDirectory(Path.GetDirectoryName(target)!);
            File.Copy(path, target);
            File.SetUnixFileMode(target, File.GetUnixFileMode(path));
        }
        // A file the package lists but the operator deleted stays deleted.
    }

    /// <summary>The status database's paragraph minus what only the database holds (its state, the conffiles' checksums).</summary>
    private string ControlFields()
    {
        var (code, status, error) = Run("dpkg-query", ["-s", package]);
        if (code != 0) throw new PackageToolException($"dpkg-query -s {package} failed: {error.Trim()}");
        var kept = new StringBuilder();
        var keep = false;
        foreach (var line in status.Split('\n'))
        {
            if (line.Length == 0) continue;
            if (!char.IsWhiteSpace(line[0]))
            {
                var name = line.Split(':', 2)[0];
                keep = name is not ("Status" or "Conffiles" or "Config-Version");
            }
            if (keep) kept.Append(line).Append('\n');
        }
        return kept.ToString();
    }

    private static string Last(string text) =>
        string.Join(" ", text.Split('\n', StringSplitOptions.RemoveEmptyEntries).TakeLast(3).Select(l => l.Trim()));

    private static (int Code, string Output, string Error) Run(string file, IEnumerable<string> arguments)
    {
        var info = new ProcessStartInfo(file) { RedirectStandardOutput = true, RedirectStandardError = true, UseShellExecute = false };
        foreach (var argument in arguments) info.ArgumentList.Add(argument);
        info.Environment["DEBIAN_FRONTEND"] = "noninteractive";
        using var process = Process.Start(info) ?? throw new PackageToolException($"{file} could not be started.");
        var output = process.StandardOutput.ReadToEndAsync();
        var error = process.StandardError.ReadToEndAsync();
        if (!process.WaitForExit(ToolTimeout))
        {
            process.Kill(entireProcessTree: true);
            throw new PackageToolException($"{file} {string.Join(' ', info.ArgumentList)} did not finish in {ToolTimeout.TotalMinutes:F0} minutes.");
        }
        process.WaitForExit();
        return (process.ExitCode, output.Result, error.Result);
    }
}
