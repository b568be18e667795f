using System.Globalization;
using Serilog.Events;
using Serilog.Formatting;

namespace CertConnector.Adapters.Logging;

/// <summary>The console form of an event: one human-readable line with its ID and name, e.g.
/// <c>10:42:07 INF 1000 PkcsRequestSuccess [Admin] Certificate issued (request r-1)</c>.
/// Control characters in the message and values are escaped (<see cref="LogText"/>).</summary>
public sealed class ConsoleLineFormatter : ITextFormatter
{
    public void Format(LogEvent logEvent, TextWriter output)
    {
        output.Write(logEvent.Timestamp.ToLocalTime().ToString("HH:mm:ss", CultureInfo.InvariantCulture));
        output.Write(' ');
        output.Write(logEvent.Level switch
        {
            LogEventLevel.Debug or LogEventLevel.Verbose => "DBG",
            LogEventLevel.Information => "INF",
            LogEventLevel.Warning => "WRN",
            _ => "ERR",
        });
        output.Write(' ');
        output.Write(Text(logEvent, "eventId"));
        output.Write(' ');
        output.Write(Text(logEvent, "eventName"));
        output.Write(" [");
        output.Write(Text(logEvent, "channel"));
        output.Write("] ");
        output.Write(LogText.Escape(logEvent.MessageTemplate.Text));
        var requestId = Text(logEvent, "requestId");
        if (requestId.Length > 0)
        {
            output.Write(" (request ");
            output.Write(requestId);
            output.Write(')');
        }
        output.Write(Environment.NewLine);
    }

    // Escaped: a value with a newline or ESC must not forge a console line or drive the terminal.
    private static string Text(LogEvent logEvent, string name) =>
        logEvent.Properties.TryGetValue(name, out var value) && value is ScalarValue { Value: { } v }
            ? LogText.Escape(Convert.ToString(v, CultureInfo.InvariantCulture))
            : "";
}
