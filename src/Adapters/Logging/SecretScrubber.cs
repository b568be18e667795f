using System.Collections;

namespace CertConnector.Adapters.Logging;

/// <summary>
/// Last line of defence for "nothing secret in logs": callers must not put secrets in event properties,
/// but if one slips through under a telling name, its value is replaced before it reaches any sink.
/// </summary>
public static class SecretScrubber
{
    public const string Redacted = "[REDACTED]";

    private static readonly string[] SecretWords = ["password", "privatekey", "secret", "token"];

    /// <summary>True if the key names a secret; separators are ignored so <c>private_key</c> matches too.</summary>
    public static bool IsSecretKey(string key)
    {
        var normalized = new string(key.Where(char.IsLetterOrDigit).ToArray());
        return SecretWords.Any(word => normalized.Contains(word, StringComparison.OrdinalIgnoreCase));
    }

    /// <summary>The value to log for <paramref name="key"/>: redacted if secret; nested dictionaries are scrubbed too.</summary>
    public static object? Scrub(string key, object? value) => Scrub(key, value, depth: 0);

    private static object? Scrub(string key, object? value, int depth)
    {
        if (IsSecretKey(key)) return Redacted;
        // Serilog captures dictionaries entry by entry, so a secret could hide one level down.
        if (value is IDictionary dictionary && depth < 4)
        {
            var scrubbed = new Dictionary<string, object?>();
            foreach (DictionaryEntry entry in dictionary)
            {
                var name = Convert.ToString(entry.Key, System.Globalization.CultureInfo.InvariantCulture) ?? "";
                scrubbed[name] = Scrub(name, entry.Value, depth + 1);
            }
            return scrubbed;
        }
        return value;
    }
}
