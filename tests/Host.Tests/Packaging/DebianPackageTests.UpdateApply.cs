using System.Diagnostics;
using System.Security.Cryptography;
using CertConnector.Actors.Updates;
using System.Security.Cryptography.X509Certificates;
using CertConnector.Adapters.Tests.Updates;
using CertConnector.Adapters.Updates;

namespace CertConnector.Host.Tests.Packaging;

/// <summary>
/// <c>update apply</c> on an installed package, as root, on a machine that runs systemd (here: dpkg and the CLI in a mount
/// namespace whose /run holds /run/systemd/system, and stand-ins for systemctl and deb-systemd-invoke that ask this test to
/// stop and start the unit's ExecStart in its sandbox). The feed is signed by a test key the root-owned settings name.
/// </summary>
public sealed partial class DebianPackageTests
{
    [RootFact]
    public async Task Update_apply_installs_a_verified_release_waits_for_it_and_rolls_back_one_whose_service_does_not_start()
    {
        var good = BuildPackage("0.8.2");
        var broken = BrokenPackage(good, "0.8.3");
        Dpkg("-i", BuildPackage("0.8.1"));

        await using var feed = new LoopbackFeed();
        var now = DateTimeOffset.UtcNow;
        feed.Put("/certconnector_0.8.2_amd64.deb", File.ReadAllBytes(good));
        feed.Put("/certconnector_0.8.3_amd64.deb", File.ReadAllBytes(broken));
        var manifest = new ReleaseManifest(1, now, now.AddDays(30),
        [
            new Release("0.8.1", now.AddDays(-9), "the one installed", feed.BaseUrl + "/certconnector_0.8.1_amd64.deb", new string('0', 64)),
            new Release("0.8.2", now.AddDays(-2), "a good one", feed.BaseUrl + "/certconnector_0.8.2_amd64.deb", Sha256(good)),
            new Release("0.8.3", now.AddDays(-1), "does not start", feed.BaseUrl + "/certconnector_0.8.3_amd64.deb", Sha256(broken)),
        ]);
        feed.Publish(manifest);
        // Where the service user can read it (its /tmp is private), and the root-owned settings name it.
        var testKey = Path.Combine(Etc, "test-release-key.crt");
        File.Copy(feed.CertificateFile, testKey);
        File.SetUnixFileMode(testKey, (UnixFileMode)Convert.ToInt32("644", 8));
        string SettingsWith(string auto) => $$"""
            {
              "Connector": {
                "AdminUrl": "http://127.0.0.1:0",
                "Scep": { "ListenUrl": "http://127.0.0.1:0", "AllowSingleDes": true },
                "Pkcs": { "KeyPoolEnabled": false },
                "Updates": { "FeedUrl": "{{feed.FeedUrl}}", "TestOnlyTrustedCertificate": "{{testKey}}"{{auto}} }
              }
            }
            """;
        File.WriteAllText(Settings, SettingsWith(""));
        File.AppendAllText(Secrets, "CERTCONNECTOR_CA_PASSPHRASE=\"deb-test-passphrase-0123456789\"\n");

        using var systemd = new FakeSystemd(Path.Combine(_dir, "fake-systemd"), Path.Combine(Repository, "tests/Host.Tests/Packaging/run-as-unit.sh"));
        systemd.Start();
        var ca = Cli("ca", "cert");

        // Root believes only what it verifies: a feed signed by another key is refused (whatever the service answers).
        using (var otherKey = ECDsa.Create(ECCurve.NamedCurves.nistP256))
        using (var other = new CertificateRequest("CN=not the release key", otherKey, HashAlgorithmName.SHA256).CreateSelfSigned(now.AddDays(-1), now.AddDays(1)))
            feed.Put("/feed.cms", ReleaseFeedSignature.Sign(ReleaseManifestJson.Write(manifest), other));
        var forged = systemd.Run("/usr/bin/certconnector", "update", "apply", "--version", "0.8.2");
        Assert.True(forged.ExitCode == 1, forged.ToString());
        Assert.Contains("Refused (UpdateFeedBadSignature)", forged.Stderr);
        Assert.Empty(systemd.Handled);
        feed.Publish(manifest);

        // Not later than what is installed: refused before anything happens.
        var back = systemd.Run("/usr/bin/certconnector", "update", "apply", "--version", "0.8.1");
        Assert.True(back.ExitCode == 1, back.ToString());
        Assert.Contains("0.8.1 is not later than the installed 0.8.1", back.Stderr);

        // The hourly timer's run does nothing while automatic updates are off.
        var off = systemd.Run("/usr/bin/certconnector", "update", "apply", "--auto");
        Assert.True(off.ExitCode == 0, off.ToString());
        Assert.Contains("Automatic updates are off", off.Stdout);
        Assert.Empty(systemd.Handled);

        // On, in a window around now: it takes the update lease, installs, and the new process logs it and gives the lease back.
        var local = DateTime.Now;
        File.WriteAllText(Settings, SettingsWith($", \"Auto\": true, \"AutoWindow\": \"{local.AddHours(-1):HH:mm}-{local.AddHours(1):HH:mm}\""));
        var applied = systemd.Run("/usr/bin/certconnector", "update", "apply", "--auto", "--version", "0.8.2");
        Assert.True(applied.ExitCode == 0, applied + systemd.Failures);
        Assert.Contains("certconnector 0.8.2 is installed and ready", applied.Stdout);
        Assert.Equal("0.8.2", Tools.Run("dpkg-query", "-W", "-f=${Version}", Package));
        Assert.Equal(["stop", "start"], systemd.Handled);
        Assert.Equal(ca, Cli("ca", "cert"));
        Assert.Single(ConnectorLogs.Events(Data, 230));
        Assert.Single(ConnectorLogs.Events(Data, 231, "from 0.8.1 to 0.8.2"));

        systemd.Handled.Clear();
        var rolledBack = systemd.Run("/usr/bin/certconnector", "update", "apply", "--timeout", "00:00:10");
        Assert.True(rolledBack.ExitCode == 1, rolledBack.ToString());
        Assert.Contains("the update to 0.8.3 failed", rolledBack.Stderr);
        Assert.Contains("Rolled back: certconnector 0.8.2 is installed and ready again", rolledBack.Stderr);
        Assert.Equal("0.8.2", Tools.Run("dpkg-query", "-W", "-f=${Version}", Package));
        Assert.Contains("before READY=1", systemd.Failures); // 0.8.3 was started, and did not come up
        Assert.Single(ConnectorLogs.Events(Data, 232, "to 0.8.3 failed and 0.8.2 was put back"));
        Assert.Equal(ca, Cli("ca", "cert"));
        // The rollback kept the operator's settings and secrets.
        Assert.Contains(feed.FeedUrl, File.ReadAllText(Settings));
        Assert.Contains("deb-test-passphrase", File.ReadAllText(Secrets));
    }

    /// <summary><paramref name="deb"/> with its program replaced by garbage, as <paramref name="version"/>: it installs, and never starts.</summary>
    private string BrokenPackage(string deb, string version)
    {
        var root = Path.Combine(_dir, "broken-" + version);
        Tools.Run("dpkg-deb", "-R", deb, root);
        File.WriteAllText(Path.Combine(root, "usr/lib/certconnector/certconnector.dll"), "not an assembly");
        var control = Path.Combine(root, "DEBIAN/control");
        File.WriteAllLines(control, File.ReadAllLines(control).Select(l => l.StartsWith("Version:", StringComparison.Ordinal) ? "Version: " + version : l));
        var broken = Path.Combine(_dir, $"certconnector_{version}_broken.deb");
        Tools.Run("dpkg-deb", "--root-owner-group", "-Zgzip", "--build", root, broken);
        return broken;
    }

    private static string Sha256(string file) => Convert.ToHexStringLower(SHA256.HashData(File.ReadAllBytes(file)));

    /// <summary>
    /// systemd's part, for commands run through <see cref="Run"/>: systemctl and deb-systemd-invoke are stand-ins that ask this
    /// object to stop or start the unit (its ExecStart in its sandbox, as <see cref="UnitProcess"/> runs it) and wait for it.
    /// </summary>
    private sealed class FakeSystemd : IDisposable
    {
        private readonly string _bin;
        private readonly string _sandbox;
        private readonly CancellationTokenSource _stop = new();
        private readonly Task _loop;
        private UnitProcess? _service;

        public FakeSystemd(string bin, string sandbox)
        {
            _bin = Directory.CreateDirectory(bin).FullName;
            _sandbox = sandbox;
            const string shim = """
                #!/bin/sh
                dir=$(dirname "$0")
                case "$*" in
                    *is-active*) [ -e "$dir/running" ] && exit 0; exit 3 ;;
                    *stop*) request=stop ;;
                    *start*) request=start ;;
                    *) exit 0 ;;
                esac
                echo "$request" > "$dir/request.$$.tmp" && mv "$dir/request.$$.tmp" "$dir/request.$$"
                while [ ! -e "$dir/done.$$" ]; do sleep 0.1; done
                rm -f "$dir/done.$$"
                """;
            foreach (var tool in new[] { "systemctl", "deb-systemd-invoke" })
            {
                File.WriteAllText(Path.Combine(_bin, tool), shim.Replace("\r", "") + "\n");
                File.SetUnixFileMode(Path.Combine(_bin, tool), (UnixFileMode)Convert.ToInt32("755", 8));
            }
            _loop = Task.Run(Serve);
        }

        /// <summary>The stops and starts done, in order (a start of a running unit, or a stop of a stopped one, does nothing).</summary>
        public List<string> Handled { get; } = [];
        /// <summary>What the units that did not start printed.</summary>
        public string Failures { get; private set; } = "";

        public void Start()
        {
            var unit = SystemdUnit.Parse(File.ReadAllText(Unit));
            try
            {
                _service = UnitProcess.Start(unit, _sandbox);
                File.WriteAllText(Path.Combine(_bin, "running"), "");
            }
            catch (Exception e) when (e is InvalidOperationException or TimeoutException)
            {
                Failures += e.Message + "\n";
            }
        }

        private void StopService()
        {
            if (_service is null) return;
            File.Delete(Path.Combine(_bin, "running"));
            _service.Stop();
            _service.Dispose();
            _service = null;
        }

        private async Task Serve()
        {
            while (!_stop.IsCancellationRequested)
            {
                foreach (var request in Directory.GetFiles(_bin, "request.*").Where(f => !f.EndsWith(".tmp", StringComparison.Ordinal)))
                {
                    var verb = File.ReadAllText(request).Trim();
                    if (verb == "stop" && _service is not null) { StopService(); Handled.Add("stop"); }
                    if (verb == "start" && _service is null) { Handled.Add("start"); Start(); }
                    File.Delete(request);
                    File.WriteAllText(Path.Combine(_bin, "done." + request[(request.LastIndexOf('.') + 1)..]), "");
                }
                await Task.Delay(100);
            }
        }

        /// <summary>A command as root in a mount namespace where systemd seems to run, with the stand-ins first on the PATH.</summary>
        public CliRun Run(string file, params string[] args)
        {
            var info = new ProcessStartInfo("unshare") { RedirectStandardOutput = true, RedirectStandardError = true, UseShellExecute = false };
            foreach (var a in new[] { "--mount", "--", "sh", "-c", "mount --make-rprivate / && mount -t tmpfs tmpfs /run && mkdir -p /run/systemd/system && exec \"$@\"", "sh", file })
                info.ArgumentList.Add(a);
            foreach (var a in args) info.ArgumentList.Add(a);
            foreach (var variable in new[] { "CERTCONNECTOR_DATA_DIR", "CERTCONNECTOR_TOKEN", "CERTCONNECTOR_URL" }) info.Environment.Remove(variable);
            info.Environment["PATH"] = _bin + ":" + Environment.GetEnvironmentVariable("PATH");
            using var process = Process.Start(info)!;
            var stdout = process.StandardOutput.ReadToEndAsync();
            var stderr = process.StandardError.ReadToEndAsync();
            if (!process.WaitForExit(TimeSpan.FromMinutes(5))) process.Kill(entireProcessTree: true);
            process.WaitForExit();
            return new CliRun(process.ExitCode, stdout.Result, stderr.Result);
        }

        public void Dispose()
        {
            _stop.Cancel();
            try { _loop.Wait(TimeSpan.FromSeconds(10)); } catch (AggregateException) { }
            _service?.Dispose();
        }
    }

    private sealed record CliRun(int ExitCode, string Stdout, string Stderr)
    {
        public override string ToString() => $"exit {ExitCode}\n{Stdout}\n{Stderr}";
    }
}
