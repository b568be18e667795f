using Serilog.Events;
using Serilog.Formatting.Json;

namespace CertConnector.Adapters.Logging;

/// <summary>Serilog's JSON value formatter with every string (values and dictionary keys) written by <see cref="LogText.WriteJsonString"/>.</summary>
public sealed class EscapingJsonValueFormatter() : JsonValueFormatter(typeTagName: null)
{
    protected override void FormatLiteralValue(object? value, TextWriter output)
    {
        if (value is string or char) LogText.WriteJsonString(value.ToString(), output);
        else base.FormatLiteralValue(value, output);
    }

    protected override bool VisitDictionaryValue(TextWriter state, DictionaryValue dictionary)
    {
        state.Write('{');
        var delimiter = "";
        foreach (var (key, value) in dictionary.Elements)
        {
            state.Write(delimiter);
            delimiter = ",";
            LogText.WriteJsonString(key.Value?.ToString(), state);
            state.Write(':');
            Visit(state, value);
        }
        state.Write('}');
        return false;
    }
}
