using System.Globalization;
using Serilog.Events;
using Serilog.Formatting;

namespace CertConnector.Adapters.Logging;

/// <summary>
/// Writes one event as one JSON object per line, with the fixed fields first under their exact names
/// (operators' queries and the tests depend on them), then the event's extra properties. Strings are escaped by
/// <see cref="LogText"/>, so no value can break the one-event-per-line form or reach a terminal as a control.
/// </summary>
public sealed class JsonLinesFormatter : ITextFormatter
{
    /// <summary>Fixed fields carried as Serilog properties; an extra property with one of these names is prefixed with "_".</summary>
    public static readonly IReadOnlySet<string> ReservedNames = new HashSet<string>(StringComparer.Ordinal)
    {
        "timestamp", "level", "eventId", "eventName", "channel", "taskCategory", "message", "requestId", "clientRequestId", "instance",
    };

    private static readonly string[] LeadingFields = ["eventId", "eventName", "channel", "taskCategory"];
    private static readonly string[] TrailingFields = ["requestId", "clientRequestId", "instance"];

    private readonly EscapingJsonValueFormatter _values = new();

    public void Format(LogEvent logEvent, TextWriter output)
    {
        output.Write("{\"timestamp\":\"");
        output.Write(logEvent.Timestamp.UtcDateTime.ToString("O", CultureInfo.InvariantCulture));
        output.Write("\",\"level\":\"");
        output.Write(logEvent.Level.ToString());
        output.Write('"');
        foreach (var name in LeadingFields) WriteField(logEvent, name, output);
        output.Write(",\"message\":");
        LogText.WriteJsonString(logEvent.MessageTemplate.Text, output);
        foreach (var name in TrailingFields) WriteField(logEvent, name, output);
        foreach (var (name, value) in logEvent.Properties)
        {
            if (ReservedNames.Contains(name)) continue;
            output.Write(',');
            LogText.WriteJsonString(name, output);
            output.Write(':');
            _values.Format(value, output);
        }
        output.Write('}');
        output.Write('\n');
    }

    // A fixed field is always present, as null when the event has no value for it.
    private void WriteField(LogEvent logEvent, string name, TextWriter output)
    {
        output.Write(",\"");
        output.Write(name);
        output.Write("\":");
        if (logEvent.Properties.TryGetValue(name, out var value)) _values.Format(value, output);
        else output.Write("null");
    }
}
