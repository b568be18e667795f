namespace CertConnector.Host.Tests.Ca;

/// <summary>
/// A token the connector cannot use is one line at start (exit 1), never a crash and never a CA created in its place;
/// the PIN on the command line (readable by every user of the machine) is refused before anything runs (exit 2).
/// </summary>
public sealed class Pkcs11StartupTests : IDisposable
{
    private readonly SoftHsm _hsm = new();

    private (int ExitCode, string Output, string WorkDir) Run(IReadOnlyDictionary<string, string?> environment, params string[] extra) =>
        Run(Path.Combine(Tools.TempDir("hsm-startup"), "data"), environment, extra);

    private (int ExitCode, string Output, string WorkDir) Run(string data, IReadOnlyDictionary<string, string?> environment, params string[] extra)
    {
        string[] args = ["--data-dir", data, "--admin-url", "http://127.0.0.1:0", "--scep-url", "http://127.0.0.1:0", "--Connector:Ca:KeyStore=pkcs11", .. extra];
        var run = ConnectorRun.RunToExit("hsm-startup", args, new Dictionary<string, string?>(environment) { ["SOFTHSM2_CONF"] = _hsm.ConfigPath });
        Assert.False(File.Exists(Path.Combine(data, "ca", "ca.crt.pem")), "a CA was created without its token");
        return run;
    }

    private static void AssertOneLine((int ExitCode, string Output, string WorkDir) run, int exitCode, string expected)
    {
        Assert.True(run.ExitCode == exitCode, $"exit {run.ExitCode}, expected {exitCode}: {run.Output}");
        Assert.DoesNotContain('\n', run.Output);
        Assert.Contains(expected, run.Output);
    }

    [Fact]
    public void A_wrong_pin_is_one_line()
    {
        var run = Run(new Dictionary<string, string?> { ["CERTCONNECTOR_Connector__Ca__Pkcs11__Pin"] = "wrong-pin" },
            $"--Connector:Ca:Pkcs11:Module={SoftHsm.Module}", $"--Connector:Ca:Pkcs11:TokenLabel={_hsm.Label}");
        AssertOneLine(run, 1, $"The PIN of PKCS#11 token '{_hsm.Label}' is wrong");
    }

    [Fact]
    public void A_missing_token_is_one_line_naming_the_tokens_there_are()
    {
        var run = Run(new Dictionary<string, string?>(),
            $"--Connector:Ca:Pkcs11:Module={SoftHsm.Module}", "--Connector:Ca:Pkcs11:TokenLabel=no-such-token", $"--Connector:Ca:Pkcs11:PinFile={_hsm.PinFile}");
        AssertOneLine(run, 1, "has no token labelled 'no-such-token'");
        Assert.Contains($"'{_hsm.Label}'", run.Output);
    }

    [Fact]
    public void A_missing_module_is_one_line()
    {
        var run = Run(new Dictionary<string, string?>(),
            "--Connector:Ca:Pkcs11:Module=/nonexistent/libpkcs11.so", $"--Connector:Ca:Pkcs11:TokenLabel={_hsm.Label}", $"--Connector:Ca:Pkcs11:PinFile={_hsm.PinFile}");
        AssertOneLine(run, 1, "The PKCS#11 module '/nonexistent/libpkcs11.so' (Connector:Ca:Pkcs11:Module) does not exist");
    }

    [Fact]
    public void Pkcs11_without_a_pin_is_one_line()
    {
        var run = Run(new Dictionary<string, string?>(), $"--Connector:Ca:Pkcs11:Module={SoftHsm.Module}", $"--Connector:Ca:Pkcs11:TokenLabel={_hsm.Label}");
        AssertOneLine(run, 1, "give the token's user PIN");
    }

    [Theory]
    [InlineData(true)]
    [InlineData(false)]
    public void The_pin_on_the_command_line_is_refused_and_not_repeated(bool inline)
    {
        string[] pin = inline ? [$"--Connector:Ca:Pkcs11:Pin={_hsm.Pin}"] : ["--Connector:ca:pkcs11:pin", _hsm.Pin];
        var run = Run(new Dictionary<string, string?>(), [$"--Connector:Ca:Pkcs11:Module={SoftHsm.Module}", $"--Connector:Ca:Pkcs11:TokenLabel={_hsm.Label}", .. pin]);
        AssertOneLine(run, 2, "Connector:Ca:Pkcs11:Pin is refused on the command line");
        Assert.DoesNotContain(_hsm.Pin, run.Output);
    }

    [Fact]
    public void A_ca_made_with_file_keys_is_refused_with_the_token_not_replaced()
    {
        var data = Path.Combine(Tools.TempDir("hsm-switch"), "data");
        ConnectorProcess.Start(data).Dispose(); // a CA with its keys in files
        var caCertificate = File.ReadAllText(Path.Combine(data, "ca", "ca.crt.pem"));
        var run = ConnectorRun.RunToExit("hsm-switch", ["--data-dir", data, "--admin-url", "http://127.0.0.1:0", "--scep-url", "http://127.0.0.1:0",
                "--Connector:Ca:KeyStore=pkcs11", $"--Connector:Ca:Pkcs11:Module={SoftHsm.Module}", $"--Connector:Ca:Pkcs11:TokenLabel={_hsm.Label}",
                $"--Connector:Ca:Pkcs11:PinFile={_hsm.PinFile}"],
            new Dictionary<string, string?> { ["SOFTHSM2_CONF"] = _hsm.ConfigPath });
        AssertOneLine(run, 1, $"PKCS#11 token '{_hsm.Label}' holds no private key for the certificate in");
        Assert.Equal(caCertificate, File.ReadAllText(Path.Combine(data, "ca", "ca.crt.pem")));
        Assert.Empty(_hsm.Objects("Private Key", "certconnector-ca"));
    }

    public void Dispose() => _hsm.Dispose();
}
