namespace CertConnector.Actors.Common;

/// <summary>
/// One subject alternative name as the service or the CLI names it: <c>upn</c>, <c>email</c>, <c>dns</c>,
/// <c>uri</c> or <c>ip</c>, with its value. Written as <c>type:value</c>.
/// </summary>
public sealed record SubjectAltName(string Type, string Value)
{
    public static IReadOnlyList<string> SupportedTypes { get; } = ["upn", "email", "dns", "uri", "ip"];

    public static bool TryParse(string? text, out SubjectAltName? san)
    {
        san = null;
        if (string.IsNullOrWhiteSpace(text)) return false;
        var colon = text.IndexOf(':');
        if (colon <= 0 || colon == text.Length - 1) return false;
        var type = text[..colon].Trim().ToLowerInvariant();
        var value = text[(colon + 1)..].Trim();
        if (!SupportedTypes.Contains(type) || value.Length == 0) return false;
        san = new SubjectAltName(type, value);
        return true;
    }

    public override string ToString() => $"{Type}:{Value}";
}
