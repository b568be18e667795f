using System.Diagnostics;
using CertConnector.Host.Tests.Scep;

namespace CertConnector.Host.Tests.Packaging;

/// <summary>
/// The Debian package on this machine, as an operator uses it: packaging/build-deb.sh builds it, dpkg installs it, the
/// unit's ExecStart runs as systemd would run it (run-as-unit.sh; PID 1 here is not systemd), Debian's scepclient enrolls,
/// a newer package is installed over it and keeps the CA, remove keeps the data, purge deletes it. Leaves the machine as
/// it found it, failing or not (see <see cref="Dispose"/>).
/// </summary>
[Trait("Category", "Slow")]
public sealed partial class DebianPackageTests : IDisposable
{
    private const string Package = "certconnector";
    private const string User = "certconnector";
    private const string Etc = "/etc/certconnector";
    private const string Settings = Etc + "/certconnector.json";
    private const string Secrets = Etc + "/secrets.env";
    private const string Data = "/var/lib/certconnector";
    private const string CaFile = Data + "/ca/ca.crt.pem";
    private const string Unit = "/lib/systemd/system/certconnector.service";
    private const string Enabled = "/etc/systemd/system/multi-user.target.wants/certconnector.service";
    private const string UpdateUnit = "/lib/systemd/system/certconnector-update.service";
    private const string TimerEnabled = "/etc/systemd/system/timers.target.wants/certconnector-update.timer";
    private const string ScepClientSubject = "CN={0},OU=MDM,O=scep-client,C=US"; // scepclient adds O, OU and C

    /// <summary>The repository this test build came from (packaging/, the run-as-unit.sh sandbox).</summary>
    public static readonly string Repository = FindRepository();
    private readonly string _dir = Tools.TempDir("deb");
    private UnitProcess? _service;

    [RootFact]
    public void Installs_runs_sandboxed_as_its_user_enrolls_upgrades_keeping_the_CA_and_settings_removes_keeping_data_and_purges()
    {
        Dpkg("-i", BuildPackage("0.8.1"));
        AssertOwnerAndMode(Etc, "root", User, "750");
        AssertOwnerAndMode(Settings, "root", User, "640");
        AssertOwnerAndMode(Secrets, "root", "root", "600");
        AssertOwnerAndMode(Data, User, User, "700");
        var account = File.ReadLines("/etc/passwd").Select(l => l.Split(':')).Single(f => f[0] == User);
        Assert.True(int.Parse(account[2]) < 1000, $"{User} is not a system user: uid {account[2]}");
        Assert.Equal("/usr/sbin/nologin", account[6]);
        Assert.True(File.Exists(Enabled), "the unit is not enabled");
        Assert.True(File.Exists(TimerEnabled), "the automatic-update timer is not enabled");
        Tools.Run("systemd-analyze", "verify", Unit, UpdateUnit, UpdateUnit.Replace(".service", ".timer")); // throws with systemd's complaint
        // The hardening as systemd scores it (0 safest, 10 unsafe); 1.9 today: a removed protection shows here.
        Tools.Run("systemd-analyze", "security", "--offline=true", "--threshold=25", Unit);

        // Typing `certconnector` as root starts no second, root-owned connector.
        var (refused, _, refusal) = Run("/usr/bin/certconnector");
        Assert.Equal(2, refused);
        Assert.Contains("not starting the connector as root", refusal);
        Assert.False(Directory.Exists(Path.Combine(_dir, "data")));

        // The operator's edits: any free port (the machine is shared), scepclient's single DES, a passphrase of their own.
        File.WriteAllText(Settings, OperatorSettings);
        File.AppendAllText(Secrets, "CERTCONNECTOR_CA_PASSPHRASE=\"deb-test-passphrase-0123456789\"\n");
        var unit = SystemdUnit.Parse(File.ReadAllText(Unit));

        _service = UnitProcess.Start(unit, Path.Combine(Repository, "tests/Host.Tests/Packaging/run-as-unit.sh"));
        AssertSandboxed(_service);
        var ca = Cli("ca", "cert");
        var caFile = File.ReadAllText(CaFile);
        Assert.False(File.Exists(Path.Combine(Data, "ca/master.key")), "the CA passphrase did not come from secrets.env");
        Enroll("deb-v1", ca);
        // Another local user reads neither the settings, the secrets, the admin token nor the CA's key.
        foreach (var secret in new[] { Settings, Secrets, Path.Combine(Data, "admin.token"), Path.Combine(Data, "ca/ca.key.p8") })
            Assert.NotEqual(0, Run("setpriv", "--reuid=nobody", "--regid=nogroup", "--clear-groups", "cat", secret).ExitCode);
        Assert.Equal(0, _service.Stop());
        _service.Dispose();
        _service = null;

        // An operator loosened the data directory; the upgrade tightens it again.
        File.SetUnixFileMode(Data, (UnixFileMode)Convert.ToInt32("755", 8));
        var upgrade = DpkgUnderSystemd("-i", BuildPackage("0.8.2"));
        // The running service stops before the files change and starts again on the new version.
        Assert.Equal(["deb-systemd-invoke stop certconnector.service", "deb-systemd-invoke start certconnector-update.timer", "deb-systemd-invoke start certconnector.service"],
            upgrade.Where(l => l.StartsWith("deb-systemd-invoke", StringComparison.Ordinal)));
        Assert.Equal("0.8.2", Tools.Run("dpkg-query", "-W", "-f=${Version}", Package));
        AssertOwnerAndMode(Data, User, User, "700");
        AssertOwnerAndMode(Settings, "root", User, "640");
        Assert.Equal(OperatorSettings, File.ReadAllText(Settings));
        Assert.Contains("deb-test-passphrase", File.ReadAllText(Secrets));

        _service = UnitProcess.Start(unit, Path.Combine(Repository, "tests/Host.Tests/Packaging/run-as-unit.sh"));
        Assert.Equal(ca, Cli("ca", "cert"));
        Assert.Equal(caFile, File.ReadAllText(CaFile));
        Enroll("deb-v2", ca);
        Assert.Equal(0, _service.Stop());
        _service.Dispose();
        _service = null;

        Assert.Equal(["deb-systemd-invoke stop certconnector-update.timer", "deb-systemd-invoke stop certconnector.service"],
            DpkgUnderSystemd("-r", Package).Where(l => l.StartsWith("deb-systemd-invoke", StringComparison.Ordinal)));
        Assert.False(File.Exists("/usr/lib/certconnector/certconnector"));
        Assert.False(File.Exists("/usr/bin/certconnector"));
        Assert.Equal(caFile, File.ReadAllText(CaFile));
        Assert.True(File.Exists(Settings), "remove deleted the settings (a conffile: only purge does)");
        Assert.Contains(File.ReadLines("/etc/passwd"), l => l.StartsWith(User + ":", StringComparison.Ordinal));

        Dpkg("-P", Package);
        Assert.False(Directory.Exists(Data), "purge left the data directory");
        Assert.False(Directory.Exists(Etc), "purge left /etc/certconnector");
        Assert.DoesNotContain(File.ReadLines("/etc/passwd"), l => l.StartsWith(User + ":", StringComparison.Ordinal));
        Assert.DoesNotContain(File.ReadLines("/etc/group"), l => l.StartsWith(User + ":", StringComparison.Ordinal));
        Assert.False(File.Exists(Enabled) || File.Exists("/etc/systemd/system/certconnector.service"), "purge left the unit enabled or masked");
        Assert.False(File.Exists(TimerEnabled) || File.Exists("/etc/systemd/system/certconnector-update.timer"), "purge left the timer enabled or masked");
    }

    private const string OperatorSettings = """
        {
          "Connector": {
            "AdminUrl": "http://127.0.0.1:0",
            "Scep": { "ListenUrl": "http://127.0.0.1:0", "AllowSingleDes": true },
            "Pkcs": { "KeyPoolEnabled": false }
          }
        }
        """;

    /// <summary>Not root by mistake, and what the unit promises: no new privileges, no capabilities, files only in the data directory.</summary>
    private static void AssertSandboxed(UnitProcess service)
    {
        var uid = File.ReadLines("/etc/passwd").Select(l => l.Split(':')).Single(f => f[0] == User)[2];
        Assert.All(service.Status("Uid").Split('\t', StringSplitOptions.RemoveEmptyEntries), id => Assert.Equal(uid, id));
        Assert.Equal("1", service.Status("NoNewPrivs"));
        Assert.Equal("0000000000000000", service.Status("CapBnd"));
        Assert.Equal("0000000000000000", service.Status("CapEff"));
    }

    /// <summary>A challenge from the CLI (/usr/bin/certconnector, finding the package's data directory by itself), then scepclient.</summary>
    private void Enroll(string cn, string caPem)
    {
        var challenge = System.Text.Json.JsonDocument.Parse(Cli("scep", "challenge", "--subject", string.Format(ScepClientSubject, cn)))
            .RootElement.GetProperty("challenge").GetString()!;
        var scepUrl = File.ReadAllText(Path.Combine(Data, "scep.url")).Trim();
        var dir = Directory.CreateDirectory(Path.Combine(_dir, cn)).FullName;
        var (exit, output, _) = ScepClientTool.Run(scepUrl, cn, challenge, dir);
        Assert.True(exit == 0, $"{output}\n{_service?.Output}");
        File.WriteAllText(Path.Combine(_dir, "ca.pem"), caPem);
        Assert.Contains(": OK", Tools.OpenSsl("verify", "-CAfile", Path.Combine(_dir, "ca.pem"), Path.Combine(dir, "device.crt")));
    }

    private string Cli(params string[] args)
    {
        var (exit, stdout, stderr) = Run("/usr/bin/certconnector", args);
        Assert.True(exit == 0, $"certconnector {string.Join(' ', args)}: exit {exit}\n{stderr}");
        return stdout;
    }

    /// <summary>Runs a command in the test's directory, without the CLI's environment variables (the installed defaults must do).</summary>
    private (int ExitCode, string Stdout, string Stderr) Run(string file, params string[] args)
    {
        var info = new ProcessStartInfo(file) { RedirectStandardOutput = true, RedirectStandardError = true, UseShellExecute = false, WorkingDirectory = _dir };
        foreach (var a in args) info.ArgumentList.Add(a);
        foreach (var variable in new[] { "CERTCONNECTOR_DATA_DIR", "CERTCONNECTOR_TOKEN", "CERTCONNECTOR_URL" }) info.Environment.Remove(variable);
        using var process = Process.Start(info)!;
        var stdout = process.StandardOutput.ReadToEndAsync();
        var stderr = process.StandardError.ReadToEndAsync();
        process.WaitForExit();
        return (process.ExitCode, stdout.Result, stderr.Result);
    }

    // Built once per test run and version (each is a publish: seconds), shared by the tests of this class; not in _dir, which each test deletes.
    private static readonly string Packages = Tools.TempDir("deb-packages");
    private static readonly Dictionary<string, string> Built = [];

    private static string BuildPackage(string version)
    {
        lock (Built)
        {
            if (Built.TryGetValue(version, out var built)) return built;
            // The build this test runs from (--no-build): publishing it takes seconds, building again minutes.
            var configuration = AppContext.BaseDirectory.Contains("/Debug/", StringComparison.Ordinal) ? "Debug" : "Release";
            var deb = Tools.Run(Path.Combine(Repository, "packaging/build-deb.sh"), "--no-build", "--configuration", configuration, "--version", version, "--out", Packages);
            return Built[version] = deb.Split('\n', StringSplitOptions.RemoveEmptyEntries).Last(l => l.EndsWith(".deb", StringComparison.Ordinal)).Trim();
        }
    }

    private static void Dpkg(params string[] args) => Tools.Run("dpkg", ["--force-confold", .. args]);

    /// <summary>
    /// dpkg as on a machine that runs systemd (with the service running): in a mount namespace of its own, /run is a
    /// tmpfs holding /run/systemd/system, and systemctl and deb-systemd-invoke are stand-ins that log their arguments.
    /// Returns the log: what the maintainer scripts asked systemd to do.
    /// </summary>
    private IReadOnlyList<string> DpkgUnderSystemd(params string[] args)
    {
        var bin = Directory.CreateDirectory(Path.Combine(_dir, "fake-systemd")).FullName;
        var log = Path.Combine(bin, "calls.log");
        File.WriteAllText(log, "");
        foreach (var tool in new[] { "systemctl", "deb-systemd-invoke" })
        {
            // "is-active" answers yes: the service was running.
            File.WriteAllText(Path.Combine(bin, tool), $"#!/bin/sh\necho \"{tool} $*\" >> '{log}'\nexit 0\n");
            File.SetUnixFileMode(Path.Combine(bin, tool), (UnixFileMode)Convert.ToInt32("755", 8));
        }
        var info = new ProcessStartInfo("unshare") { RedirectStandardOutput = true, RedirectStandardError = true, UseShellExecute = false };
        string[] command = ["--mount", "--", "sh", "-c", "mount --make-rprivate / && mount -t tmpfs tmpfs /run && mkdir -p /run/systemd/system && exec \"$@\"",
                            "sh", "dpkg", "--force-confold", .. args];
        foreach (var a in command)
            info.ArgumentList.Add(a);
        info.Environment["PATH"] = bin + ":" + Environment.GetEnvironmentVariable("PATH");
        using var process = Process.Start(info)!;
        var stdout = process.StandardOutput.ReadToEndAsync();
        var stderr = process.StandardError.ReadToEndAsync();
        process.WaitForExit();
        Assert.True(process.ExitCode == 0, $"dpkg {string.Join(' ', args)}: exit {process.ExitCode}\n{stdout.Result}{stderr.Result}");
        return File.ReadAllLines(log);
    }

    private static void AssertOwnerAndMode(string path, string owner, string group, string mode) =>
        Assert.Equal($"{owner}:{group} {mode}", Tools.Run("stat", "-c", "%U:%G %a", path).Trim());

    private static string FindRepository()
    {
        for (var dir = new DirectoryInfo(AppContext.BaseDirectory); dir is not null; dir = dir.Parent)
            if (File.Exists(Path.Combine(dir.FullName, "Akka.sln"))) return dir.FullName;
        throw new InvalidOperationException("The repository (Akka.sln) is not above " + AppContext.BaseDirectory);
    }

    /// <summary>Whatever happened: the service stopped, the package purged, its user, files and unit links gone.</summary>
    public void Dispose()
    {
        _service?.Dispose();
        if (!Environment.IsPrivilegedProcess) return;
        TryRun("dpkg", "--purge", "--force-remove-reinstreq", Package);
        TryRun("userdel", User);
        TryRun("groupdel", User);
        foreach (var path in new[] { Data, Etc }) TryDelete(path);
        foreach (var link in new[] { Enabled, TimerEnabled, "/etc/systemd/system/certconnector.service", "/etc/systemd/system/certconnector-update.timer" }) File.Delete(link);
        TryRun("deb-systemd-helper", "purge", "certconnector.service");
        TryRun("deb-systemd-helper", "purge", "certconnector-update.timer");
        TryDelete(_dir);
    }

    private static void TryRun(string file, params string[] args)
    {
        try { Tools.Run(file, args); }
        catch (Exception e) when (e is InvalidOperationException or System.ComponentModel.Win32Exception) { } // nothing to undo
    }

    private static void TryDelete(string directory)
    {
        try { if (Directory.Exists(directory)) Directory.Delete(directory, true); } catch (IOException) { }
    }
}
