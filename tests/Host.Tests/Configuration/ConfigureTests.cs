using CertConnector.Adapters.Scep.Client;
using CertConnector.Adapters.Scep;
using CertConnector.Host.Tests.Scep;

namespace CertConnector.Host.Tests.Configuration;

/// <summary>
/// <c>certconnector configure</c> on a running instance: a refused change writes nothing and restarts nothing; an accepted one is
/// written (secrets to the secrets file, from standard input) and the instance restarts gracefully with exit code 75, which
/// systemd's Restart=on-failure answers by starting it again (the test does what systemd would).
/// </summary>
[Trait("Category", "Slow")]
public sealed class ConfigureTests
{
    private const UnixFileMode Settings0640 = UnixFileMode.UserRead | UnixFileMode.UserWrite | UnixFileMode.GroupRead;

    [Fact]
    public async Task Enabling_SCEP_on_a_PKCS_only_instance_restarts_it_with_SCEP_and_the_PKCS_request_in_flight_finishes_once()
    {
        var dir = Tools.TempDir("configure");
        var data = Path.Combine(dir, "data");
        var settings = Path.Combine(dir, "certconnector.json");
        var secrets = Path.Combine(dir, "secrets.env");
        File.WriteAllText(settings, """{ "Connector": { "Scep": { "Enabled": false } } }""");
        File.SetUnixFileMode(settings, Settings0640);
        using var first = ConnectorProcess.Start(data, "--settings", settings);
        Assert.False(File.Exists(Path.Combine(data, "scep.url")));

        // Refused: nothing written, nothing restarted.
        var before = File.ReadAllBytes(settings);
        var refused = first.Cli("configure", "--settings", settings, "--enable", "scep", "--set", "Connector:Pkcs:MaxAttempts=0");
        Assert.True(refused.ExitCode == 1, refused.ToString());
        Assert.Contains("Refused, nothing written: Connector:Pkcs:MaxAttempts must be greater than zero", refused.Stderr);
        var typo = first.Cli("configure", "--settings", settings, "--set", "Connector:Scep:Enabeld=true");
        Assert.True(typo.ExitCode == 2, typo.ToString());
        Assert.Contains("Did you mean 'Connector:Scep:Enabled'", typo.Stderr);
        var onCommandLine = first.Cli("configure", "--settings", settings, "--set", "Connector:Service:ClientSecret=visible-in-ps");
        Assert.True(onCommandLine.ExitCode == 2, onCommandLine.ToString());
        Assert.Contains("is a secret: give it with --secret", onCommandLine.Stderr);
        Assert.Equal(before, File.ReadAllBytes(settings));
        Assert.Equal(0, first.Cli("status").ExitCode);

        var queued = first.Cli("pkcs", "request", "--subject", "CN=configure-inflight", "--device-cert", Tools.DeviceCertificateFile(dir), "--request-id", "configure-1");
        Assert.True(queued.ExitCode == 0, queued.ToString());

        const string secret = "client-secret-3f9a";
        var changed = first.CliWithInput(secret + "\n", "configure", "--settings", settings, "--secrets", secrets, "--enable", "scep",
            "--secret", "Connector:Service:ClientSecret");
        Assert.True(changed.ExitCode == 0, changed.ToString());
        Assert.DoesNotContain(secret, changed.Stdout + changed.Stderr);
        Assert.Equal(RestartExitCode, first.WaitForExit(TimeSpan.FromSeconds(90), "restarting"));
        Assert.Contains("\"Enabled\": \"true\"", File.ReadAllText(settings));
        Assert.Equal(Settings0640, File.GetUnixFileMode(settings));
        Assert.Equal(UnixFileMode.UserRead | UnixFileMode.UserWrite, File.GetUnixFileMode(secrets));
        Assert.Contains($"CERTCONNECTOR_Connector__Service__ClientSecret={secret}", File.ReadAllLines(secrets));
        Assert.Single(ConnectorLogs.Events(data, 40));
        Assert.Empty(DataDirSecretScan.Find([.. DataDirSecretScan.Logs(data), .. DataDirSecretScan.Journal(data)], [secret]));

        // What systemd does on exit code 75: start it again, with the same command line.
        using var second = ConnectorProcess.Start(data, "--settings", settings);
        second.WaitForQueueStatus("configure-1", "Completed", TimeSpan.FromMinutes(2));
        var shown = second.Show("configure-1");
        Assert.Single(shown.GetProperty("history").EnumerateArray(), h => h.GetProperty("event").GetString() == "Issued");

        var minted = second.Cli("scep", "challenge", "--subject", "CN=configured-device");
        Assert.True(minted.ExitCode == 0, minted.ToString());
        using var http = new ScepHttpClient(second.ScepUrl);
        var key = ScepHttpClient.NewKey();
        var reply = await http.EnrollAsync(key, ScepClient.SelfSigned(key, "CN=configured-device"),
            ScepClient.CreateCsr(key, "CN=configured-device", minted.Json.GetProperty("challenge").GetString()));
        Assert.Equal(ScepPkiStatus.Success, reply.Status);
    }

    private const int RestartExitCode = 75;
}
