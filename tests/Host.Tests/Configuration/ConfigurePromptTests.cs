using System.Text.Json.Nodes;

namespace CertConnector.Host.Tests.Configuration;

/// <summary>
/// <c>certconnector configure</c> run on a terminal without flags asks its questions (on a pseudo-terminal of its own; each answer
/// is typed only once its question is on the screen, as a person would). The secret is not echoed.
/// </summary>
public sealed class ConfigurePromptTests
{
    [Fact]
    public void On_a_terminal_it_asks_shows_what_is_set_now_writes_the_answers_and_never_echoes_the_secret()
    {
        var dir = Tools.TempDir("configure-prompts");
        var settings = Path.Combine(dir, "certconnector.json");
        var secrets = Path.Combine(dir, "secrets.env");
        File.WriteAllText(settings, """{ "Connector": { "Scep": { "Enabled": false } } }""");
        const string secret = "typed-client-secret-8c1f";

        // Declined at the end: nothing written.
        var declined = Converse(settings, secrets, [("Features to run here", "pkcs scep"), ("Outbound proxy", ""), ("Default CA", ""),
            ("Management service", ""), ("Service client secret", ""), ("Check, write and restart?", "n")]);
        Assert.Contains("Nothing written.", declined);
        Assert.Equal("""{ "Connector": { "Scep": { "Enabled": false } } }""", File.ReadAllText(settings));

        var transcript = Converse(settings, secrets, [
            ("Features to run here (pkcs, scep, revocation, pkcs-import, recrypt); now: pkcs, revocation, pkcs-import, recrypt", "pkcs, bogus"),
            ("'bogus' is not a feature", null), ("Features to run here", "pkcs scep"),
            ("Outbound proxy (Connector:Service:Proxy, '-' for none); now: none", "http://proxy.example:3128"),
            ("Default CA (Connector:Cas:Default); now: builtin", ""),
            ("Management service (Connector:Service:Mode: standalone or remote); now: standalone", ""),
            ("Service client secret (Connector:Service:ClientSecret; not shown)", secret),
            ("Check, write and restart? [y/N]", "y")]);

        Assert.Contains("Not restarted (--no-restart)", transcript);
        Assert.DoesNotContain(secret, transcript);
        var written = JsonNode.Parse(File.ReadAllText(settings))!["Connector"]!;
        Assert.Equal("true", (string?)written["Scep"]!["Enabled"]);
        Assert.Null(written["Pkcs"]); // it was on and stays on: nothing written for it
        foreach (var off in new[] { "PkcsImport", "Recrypt", "Revocation" }) Assert.Equal("false", (string?)written[off]!["Enabled"]);
        Assert.Equal("http://proxy.example:3128", (string?)written["Service"]!["Proxy"]);
        Assert.Contains($"CERTCONNECTOR_Connector__Service__ClientSecret={secret}", File.ReadAllLines(secrets));
        Assert.Equal(UnixFileMode.UserRead | UnixFileMode.UserWrite, File.GetUnixFileMode(secrets));
    }

    [Fact]
    public void Piped_input_without_flags_never_prompts_and_changes_nothing()
    {
        var dir = Tools.TempDir("configure-piped");
        var settings = Path.Combine(dir, "certconnector.json");
        File.WriteAllText(settings, """{ "Connector": { "Scep": { "Enabled": false } } }""");

        var result = ConnectorProcess.RunCli(dir, "pkcs scep\ny\n", ["configure", "--settings", settings, "--secrets", Path.Combine(dir, "secrets.env"), "--no-restart"]);

        Assert.Equal(2, result.ExitCode);
        Assert.Contains("Nothing to change", result.Stderr);
        Assert.DoesNotContain("Features to run here", result.Stdout);
        Assert.Equal("""{ "Connector": { "Scep": { "Enabled": false } } }""", File.ReadAllText(settings));
        Assert.False(File.Exists(Path.Combine(dir, "secrets.env")));
    }

    /// <summary>Runs configure on a pseudo-terminal; each answer is typed once its question was printed (null: only wait for the text).</summary>
    private static string Converse(string settings, string secrets, IReadOnlyList<(string Prompt, string? Answer)> script)
    {
        using var terminal = new PseudoTerminal($"dotnet {ConnectorProcess.ExecutableDll} configure --settings {settings} --secrets {secrets} --no-restart");
        foreach (var (prompt, answer) in script) terminal.Answer(prompt, answer);
        Assert.Equal(0, terminal.Exit());
        return terminal.Screen;
    }
}
