using System.Diagnostics.CodeAnalysis;
using System.Net;
using System.Net.Sockets;
using System.Text.RegularExpressions;
using CertConnector.Actors.Common;

namespace CertConnector.Adapters.Crypto;

/// <summary>
/// The one check of a subject alternative name's value, used by the admin API (PKCS and SCEP challenges)
/// and again when a certificate is built, so a value is refused up front for the same reason it would fail later.
/// DNS names follow RFC 1035/5280 (letters, digits, hyphens; an optional leading <c>*.</c>), IP addresses are
/// plain IPv4 dotted quads or IPv6 literals, e-mail is <c>local@domain</c>, a URI is absolute with a scheme and
/// a UPN is <c>user@domain</c>. No value may hold control characters.
/// </summary>
public static partial class SubjectAltNameRules
{
    public const int MaxValueLength = 1024;
    private const int MaxDnsLength = 253;
    private const int MaxEmailLocalLength = 64;

    /// <summary>Parses <c>type:value</c> and validates the value; <paramref name="error"/> says what is wrong.</summary>
    public static bool TryParse(string? text, [NotNullWhen(true)] out SubjectAltName? san, [NotNullWhen(false)] out string? error)
    {
        san = null;
        if (text is not null && HasControl(text))
        {
            error = "A subject alternative name must not contain control characters.";
            return false;
        }
        if (!SubjectAltName.TryParse(text, out var parsed))
        {
            error = $"Invalid SAN '{text}': use type:value with type one of {string.Join(", ", SubjectAltName.SupportedTypes)}.";
            return false;
        }
        if (Validate(parsed!) is { } why)
        {
            error = $"Invalid SAN '{text}': {why}";
            return false;
        }
        san = parsed!;
        error = null;
        return true;
    }

    /// <summary>Null when the value is acceptable for its type, otherwise why not (one sentence).</summary>
    public static string? Validate(SubjectAltName san)
    {
        if (HasControl(san.Value)) return "the value contains control characters.";
        var value = san.Value.Trim();
        if (value.Length == 0) return "the value is empty.";
        if (value.Length > MaxValueLength) return $"the value is longer than {MaxValueLength} characters.";
        return san.Type.ToLowerInvariant() switch
        {
            "dns" => DnsError(value, allowWildcard: true),
            "ip" => IpError(value),
            "email" => EmailError(value),
            "uri" => UriError(value),
            "upn" => UpnError(value),
            _ => $"supported types are {string.Join(", ", SubjectAltName.SupportedTypes)}.",
        };
    }

    /// <summary>Null for a host name in preferred name syntax, e.g. <c>host.example.com</c> (and <c>*.example.com</c> if allowed).</summary>
    public static string? DnsError(string name, bool allowWildcard)
    {
        if (name.Length > MaxDnsLength) return $"a DNS name is at most {MaxDnsLength} characters.";
        var labels = name.Split('.');
        for (var i = 0; i < labels.Length; i++)
        {
            if (i == 0 && allowWildcard && labels[i] == "*" && labels.Length > 1) continue;
            if (!DnsLabel().IsMatch(labels[i]))
                return $"'{name}' is not a DNS name: each dot-separated label holds 1 to 63 ASCII letters, digits or inner hyphens" +
                       (allowWildcard ? " (only the first label may be '*')." : ".") +
                       " Internationalised names go in their xn-- form.";
        }
        if (labels[^1].All(char.IsAsciiDigit)) return $"'{name}' looks like an IP address; use ip:{name}.";
        return null;
    }

    private static string? IpError(string value)
    {
        // IPAddress.TryParse also takes "1", "1.2.3", "0x7f.1" and zone IDs; only the plain literal forms are meant.
        var plain = value.Contains(':') ? !value.Contains('%') : Ipv4().IsMatch(value);
        if (plain && IPAddress.TryParse(value, out var ip) && ip.AddressFamily is AddressFamily.InterNetwork or AddressFamily.InterNetworkV6)
            return null;
        return $"'{value}' is not an IPv4 address (like 192.0.2.1) or an IPv6 address (like 2001:db8::1).";
    }

    private static string? EmailError(string value)
    {
        var at = value.IndexOf('@');
        if (at <= 0 || at != value.LastIndexOf('@') || at == value.Length - 1)
            return $"'{value}' is not an e-mail address like user@example.com.";
        var local = value[..at];
        if (local.Length > MaxEmailLocalLength || !EmailLocalPart().IsMatch(local))
            return $"the local part '{local}' of an e-mail address must be 1 to {MaxEmailLocalLength} ASCII letters, digits or !#$%&'*+-/=?^_`{{|}}~ and inner dots.";
        return DnsError(value[(at + 1)..], allowWildcard: false);
    }

    private static string? UriError(string value)
    {
        if (!UriScheme().IsMatch(value) || value.Any(c => c > 0x7e || char.IsWhiteSpace(c))
            || !Uri.TryCreate(value, UriKind.Absolute, out _))
            return $"'{value}' is not an absolute ASCII URI with a scheme, like https://example.com/device or urn:uuid:….";
        return null;
    }

    private static string? UpnError(string value)
    {
        var at = value.IndexOf('@');
        if (at <= 0 || at != value.LastIndexOf('@') || at == value.Length - 1 || value.Any(char.IsWhiteSpace))
            return $"'{value}' is not a user principal name like user@example.com.";
        return DnsError(value[(at + 1)..], allowWildcard: false);
    }

    /// <summary>C0, DEL and C1 controls: none of them belongs in a name, and all of them can forge a log line or a terminal escape.</summary>
    public static bool HasControl(string text) => text.Any(char.IsControl);

    [GeneratedRegex("^[A-Za-z0-9](?:[A-Za-z0-9-]{0,61}[A-Za-z0-9])?$")]
    private static partial Regex DnsLabel();

    [GeneratedRegex(@"^(25[0-5]|2[0-4]\d|1\d\d|[1-9]?\d)(\.(25[0-5]|2[0-4]\d|1\d\d|[1-9]?\d)){3}$")]
    private static partial Regex Ipv4();

    [GeneratedRegex(@"^[A-Za-z0-9!#$%&'*+/=?^_`{|}~-]+(\.[A-Za-z0-9!#$%&'*+/=?^_`{|}~-]+)*$")]
    private static partial Regex EmailLocalPart();

    [GeneratedRegex("^[A-Za-z][A-Za-z0-9+.-]*:.")]
    private static partial Regex UriScheme();
}
