using System.Diagnostics.CodeAnalysis;
using System.Text.RegularExpressions;
using CertConnector.Actors.Common;
using Org.BouncyCastle.Asn1.X509;

namespace CertConnector.Adapters.Crypto;

/// <summary>
/// Subject DN strings as operators and the service write them: RFC 4514 order, most specific first
/// (<c>CN=Alice, O=Contoso, C=US</c>). The DER order is the reverse (C first), as Windows and OpenSSL encode it,
/// so <c>openssl x509 -subject</c> prints <c>C = US, O = Contoso, CN = Alice</c>.
/// </summary>
public static partial class DistinguishedName
{
    private const int MaxLength = 1024;

    public static bool TryParse(string? text, [NotNullWhen(true)] out X509Name? name, [NotNullWhen(false)] out string? error)
    {
        name = null;
        if (string.IsNullOrWhiteSpace(text)) { error = "The subject name is empty."; return false; }
        if (text.Length > MaxLength) { error = $"The subject name is longer than {MaxLength} characters."; return false; }
        if (text.Any(char.IsControl)) { error = "The subject name contains control characters."; return false; }
        if (HexValue().IsMatch(text))
        {
            error = $"The subject name '{text}' has a hex-encoded (#…) value; write values as text and escape a leading # as \\#.";
            return false;
        }

        X509Name parsed;
        try
        {
            parsed = new X509Name(reverse: true, text);
            _ = parsed.GetDerEncoded(); // some values only fail when encoded; they must fail here, not at the CA
        }
        catch (Exception e) // BouncyCastle throws plain Exception, ArgumentException and others for malformed names
        {
            error = $"The subject name '{text}' is not a valid distinguished name: {e.Message.TrimEnd('.')}.";
            return false;
        }

        var oids = parsed.GetOidList();
        var values = parsed.GetValueList();
        if (oids.Count == 0) { error = $"The subject name '{text}' has no attributes."; return false; }
        for (var i = 0; i < oids.Count; i++)
        {
            var symbol = X509Name.DefaultSymbols.TryGetValue(oids[i], out var s) ? s : oids[i].Id;
            if (string.IsNullOrWhiteSpace(values[i])) { error = $"The attribute {symbol} in '{text}' has no value."; return false; }
            if (oids[i].Equals(X509Name.C) && (values[i].Length != 2 || !values[i].All(char.IsAsciiLetter)))
            {
                error = $"The country (C) in '{text}' must be a two-letter ISO 3166 code, not '{values[i]}'.";
                return false;
            }
            if ((oids[i].Equals(X509Name.EmailAddress) || oids[i].Equals(X509Name.DC)) && !values[i].All(char.IsAscii))
            {
                error = $"The attribute {symbol} in '{text}' must be ASCII (it is encoded as an IA5String).";
                return false;
            }
        }

        name = parsed;
        error = null;
        return true;
    }

    // An unescaped '=' followed by '#' starts an RFC 4514 hex-encoded DER value: arbitrary ASN.1 no operator means.
    [GeneratedRegex(@"(^|[^\\])=\s*#")]
    private static partial Regex HexValue();

    /// <summary>Parses or throws a final <c>BadSubjectName</c> failure.</summary>
    public static X509Name Parse(string text) => TryParse(text, out var name, out var error)
        ? name
        : throw ConnectorFailureException.Final("BadSubjectName", error);

    /// <summary>The name in the same most-specific-first form <see cref="TryParse"/> reads.</summary>
    public static string ToText(X509Name name) => name.ToString(true, X509Name.DefaultSymbols);
}
