using CertConnector.Host.Logging;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Logging.Abstractions;

namespace CertConnector.Host.Tests.Logging;

/// <summary>The framework's and Akka's console lines cannot be forged or turned into terminal commands by a value.</summary>
public sealed class EscapingConsoleFormatterTests
{
    private static string Format(string message, Exception? exception = null)
    {
        var entry = new LogEntry<string>(LogLevel.Warning, "Akka.Actor.ActorSystem", new EventId(7), message, exception, (s, _) => s);
        using var output = new StringWriter();
        new EscapingConsoleFormatter().Write(entry, null, output);
        return output.ToString();
    }

    [Fact]
    public void A_message_with_a_newline_and_an_escape_sequence_stays_one_inert_line()
    {
        var line = Format("dead letter: PkcsRequest(CN=x\nfail: Forged[0] admin token leaked\u001b[2J\u202e)");
        Assert.Equal(1, line.Count(c => c == '\n'));
        Assert.DoesNotContain('\u001b', line);
        Assert.DoesNotContain('\u202e', line);
        Assert.StartsWith("warn: Akka.Actor.ActorSystem[7] dead letter: PkcsRequest(CN=x\\nfail: Forged[0]", line);
    }

    [Fact]
    public void An_exception_keeps_its_lines_each_indented_and_escaped()
    {
        var text = Format("failed", new InvalidOperationException("bad \u001b[31m value"));
        var lines = text.TrimEnd('\n').Split('\n');
        Assert.Equal("warn: Akka.Actor.ActorSystem[7] failed", lines[0]);
        Assert.All(lines.Skip(1), l => Assert.StartsWith("    ", l));
        Assert.DoesNotContain('\u001b', text);
    }

    [Fact]
    public void Akka_console_lines_are_escaped_too()
    {
        var info = EscapingStandardOutLogger.Line(new Akka.Event.Info("dead letters", typeof(object), "Message [StartPkcsRequest(CN=x\n[ERROR] forged\u001b[2J)] was not delivered"));
        Assert.DoesNotContain('\n', info);
        Assert.DoesNotContain('\u001b', info);
        Assert.Contains("CN=x\\n[ERROR] forged", info);

        var error = EscapingStandardOutLogger.Line(new Akka.Event.Error(new InvalidOperationException("boom"), "src", typeof(object), "failed for CN=y\nforged"));
        var lines = error.Split(Environment.NewLine);
        Assert.Contains("failed for CN=y\\nforged", lines[0]);
        Assert.All(lines.Skip(1), l => Assert.StartsWith("    ", l));
        Assert.Contains(lines, l => l.Contains("InvalidOperationException: boom"));
    }
}
