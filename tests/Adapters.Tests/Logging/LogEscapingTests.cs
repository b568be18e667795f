using System.Text.Json;
using CertConnector.Actors.Logging;
using CertConnector.Adapters.Logging;
using Serilog.Events;
using Serilog.Parsing;

namespace CertConnector.Adapters.Tests.Logging;

/// <summary>A subject or SAN from outside must not forge a log line or reach a terminal as an escape sequence.</summary>
public sealed class LogEscapingTests : IDisposable
{
    // A newline that starts a fake entry, CR, ESC (clear screen), DEL, a C1 CSI, the Unicode line separator, a bidi override, NUL.
    private const string Hostile = "CN=evil\n10:00:00 INF 1000 PkcsRequestSuccess [Admin] forged\r\u001b[2J\u007f\u009b31m\u2028\u202eoxc.exe\0";

    private readonly string _dir = Path.Combine(Path.GetTempPath(), "logescape-tests-" + Guid.NewGuid().ToString("N"));

    [Fact]
    public void Console_line_escapes_control_characters_in_message_and_values()
    {
        var logEvent = new LogEvent(DateTimeOffset.UtcNow, LogEventLevel.Warning, null,
            new MessageTemplate([new TextToken("Subject " + Hostile)]),
            [
                new LogEventProperty("eventId", new ScalarValue(1051)),
                new LogEventProperty("eventName", new ScalarValue("PkcsIssuedFailedAttempt")),
                new LogEventProperty("channel", new ScalarValue("Operational")),
                new LogEventProperty("requestId", new ScalarValue("req\n-9\u001b")),
            ]);
        var output = new StringWriter();
        new ConsoleLineFormatter().Format(logEvent, output);

        var text = output.ToString();
        Assert.EndsWith(Environment.NewLine, text);
        var line = text[..^Environment.NewLine.Length];
        Assert.DoesNotContain(line, LogText.NeedsEscape);
        Assert.Contains(@"CN=evil\n10:00:00 INF 1000", line);
        Assert.Contains(@"\r\u001b[2J\u007f\u009b31m\u2028\u202eoxc.exe\u0000", line);
        Assert.Contains(@"(request req\n-9\u001b)", line);
    }

    [Fact]
    public void Json_lines_escape_every_control_in_message_values_and_keys_and_read_back_unchanged()
    {
        using (var log = new JsonLinesEventLog(new EventLogOptions { Directory = _dir, Instance = "node-a", Console = false }))
        {
            log.Write(new ConnectorEvent(ConnectorEvents.PkcsRequestFailure, "Refused " + Hostile, "req-1",
                new Dictionary<string, object?>
                {
                    ["subject"] = Hostile,
                    ["sans"] = new Dictionary<string, object?> { ["dns" + Hostile] = Hostile },
                }));
        }

        var raw = File.ReadAllText(Assert.Single(Directory.GetFiles(_dir, "admin-*.jsonl")));
        var line = Assert.Single(raw.Split('\n', StringSplitOptions.RemoveEmptyEntries));
        Assert.DoesNotContain(line, LogText.NeedsEscape);

        var entry = JsonDocument.Parse(line).RootElement;
        Assert.Equal("Refused " + Hostile, entry.GetProperty("message").GetString());
        Assert.Equal(Hostile, entry.GetProperty("subject").GetString());
        Assert.Equal(Hostile, entry.GetProperty("sans").GetProperty("dns" + Hostile).GetString());
    }

    [Theory]
    [InlineData("plain text, ünïcode and \\ backslash", "plain text, ünïcode and \\ backslash")]
    [InlineData("a\nb", @"a\nb")]
    [InlineData("\u001b[31mred", @"\u001b[31mred")]
    [InlineData("tab\there\u0085", @"tab\there\u0085")]
    public void Escape_writes_controls_visibly_and_leaves_other_text_alone(string input, string expected) =>
        Assert.Equal(expected, LogText.Escape(input));

    public void Dispose()
    {
        try { Directory.Delete(_dir, recursive: true); } catch (IOException) { }
    }
}
