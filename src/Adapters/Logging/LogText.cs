using System.Globalization;

namespace CertConnector.Adapters.Logging;

/// <summary>
/// Escaping for values that end up in a log: a subject, SAN or message from outside must not be able to start
/// a new line (forging an entry), send a terminal escape sequence, or reorder what is shown (bidi overrides).
/// Escaped are C0 and C1 controls and DEL, the Unicode line and paragraph separators, and the bidi controls.
/// </summary>
public static class LogText
{
    public static bool NeedsEscape(char c) =>
        char.IsControl(c) || c is '\u2028' or '\u2029' or '\u061c' or '\u200e' or '\u200f' or (>= '\u202a' and <= '\u202e') or (>= '\u2066' and <= '\u2069');

    /// <summary>The text with every character <see cref="NeedsEscape"/> written as <c>\n</c>, <c>\r</c>, <c>\t</c> or <c>\uXXXX</c>.</summary>
    public static string Escape(string? text)
    {
        if (string.IsNullOrEmpty(text) || !text.Any(NeedsEscape)) return text ?? "";
        var writer = new StringWriter(CultureInfo.InvariantCulture);
        foreach (var c in text)
        {
            if (NeedsEscape(c)) WriteEscaped(c, writer);
            else writer.Write(c);
        }
        return writer.ToString();
    }

    /// <summary>A JSON string literal; unlike Serilog's, it also escapes DEL, C1 controls, separators and bidi controls.</summary>
    public static void WriteJsonString(string? text, TextWriter output)
    {
        output.Write('"');
        foreach (var c in text ?? "")
        {
            if (c is '"' or '\\') { output.Write('\\'); output.Write(c); }
            else if (NeedsEscape(c)) WriteEscaped(c, output);
            else output.Write(c);
        }
        output.Write('"');
    }

    private static void WriteEscaped(char c, TextWriter output) => output.Write(c switch
    {
        '\n' => "\\n",
        '\r' => "\\r",
        '\t' => "\\t",
        _ => "\\u" + ((int)c).ToString("x4", CultureInfo.InvariantCulture),
    });
}
