using System.Diagnostics;
using System.Text;
using System.Text.Json.Nodes;

namespace CertConnector.Host.Tests.Configuration;

/// <summary>
/// <c>certconnector configure</c> run on a terminal without flags asks its questions (a pseudo-terminal from util-linux's
/// <c>script</c>; each answer is typed only once its question is on the screen, as a person would). The secret is not echoed.
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

    /// <summary>Runs configure on a pseudo-terminal; each answer is sent once its prompt was printed (null: only wait for the text).</summary>
    private static string Converse(string settings, string secrets, IReadOnlyList<(string Prompt, string? Answer)> script)
    {
        var command = $"exec dotnet {ConnectorProcess.ExecutableDll} configure --settings {settings} --secrets {secrets} --no-restart";
        var info = new ProcessStartInfo("script", ["-qfec", command, "/dev/null"])
            { RedirectStandardInput = true, RedirectStandardOutput = true, RedirectStandardError = true, UseShellExecute = false };
        using var process = Process.Start(info)!;
        var screen = new StringBuilder();
        var reader = Task.Run(() =>
        {
            var buffer = new char[256];
            int read;
            while ((read = process.StandardOutput.Read(buffer, 0, buffer.Length)) > 0)
                lock (screen) screen.Append(buffer, 0, read);
        });
        var seen = 0;
        foreach (var (prompt, answer) in script)
        {
            var deadline = DateTime.UtcNow.AddSeconds(60);
            while (true)
            {
                lock (screen)
                {
                    var at = screen.ToString().IndexOf(prompt, seen, StringComparison.Ordinal);
                    if (at >= 0) { seen = at + prompt.Length; break; }
                }
                if (DateTime.UtcNow > deadline || process.HasExited)
                    throw new TimeoutException($"No '{prompt}' on the terminal.\n{screen}\n{process.StandardError.ReadToEnd()}");
                Thread.Sleep(50);
            }
            if (answer is null) continue;
            Thread.Sleep(100); // the prompt is printed before the read starts: a person is never faster than that
            process.StandardInput.Write(answer + "\r");
            process.StandardInput.Flush();
        }
        if (!process.WaitForExit(TimeSpan.FromSeconds(60))) process.Kill(entireProcessTree: true);
        reader.Wait(TimeSpan.FromSeconds(10));
        lock (screen) return screen.ToString();
    }
}
