using System.Net;
using CertConnector.Actors.Common;
using Org.BouncyCastle.Asn1;
using Org.BouncyCastle.Asn1.X509;

namespace CertConnector.Adapters.Crypto;

/// <summary>Conversion between the connector's <see cref="SubjectAltName"/> list and X.509 GeneralNames.</summary>
public static class SubjectAltNames
{
    /// <summary>Microsoft's user principal name otherName (szOID_NT_PRINCIPAL_NAME).</summary>
    public static readonly DerObjectIdentifier UpnOid = new("1.3.6.1.4.1.311.20.2.3");

    /// <summary>Builds GeneralNames; throws a final <c>BadSubjectAlternativeName</c> for a malformed value.</summary>
    public static GeneralNames ToGeneralNames(IReadOnlyList<SubjectAltName> names) =>
        new(names.Select(ToGeneralName).ToArray());

    /// <summary>Builds one GeneralName; a value <see cref="SubjectAltNameRules.Validate"/> refuses is a final <c>BadSubjectAlternativeName</c>.</summary>
    public static GeneralName ToGeneralName(SubjectAltName san)
    {
        if (SubjectAltNameRules.Validate(san) is { } why) throw Bad(san, why);
        var value = san.Value.Trim();
        return san.Type.ToLowerInvariant() switch
        {
            "upn" => new GeneralName(GeneralName.OtherName, new OtherName(UpnOid, new DerUtf8String(value))),
            "email" => new GeneralName(GeneralName.Rfc822Name, value),
            "dns" => new GeneralName(GeneralName.DnsName, value),
            "uri" => new GeneralName(GeneralName.UniformResourceIdentifier, value),
            "ip" => new GeneralName(GeneralName.IPAddress, new DerOctetString(IPAddress.Parse(value).GetAddressBytes())),
            _ => throw Bad(san, $"supported types are {string.Join(", ", SubjectAltName.SupportedTypes)}"),
        };
    }

    /// <summary>Reads back the names this connector understands; other kinds are skipped.</summary>
    public static IReadOnlyList<SubjectAltName> FromGeneralNames(GeneralNames? names)
    {
        var result = new List<SubjectAltName>();
        foreach (var name in names?.GetNames() ?? [])
        {
            switch (name.TagNo)
            {
                case GeneralName.Rfc822Name: result.Add(new("email", name.Name.ToString()!)); break;
                case GeneralName.DnsName: result.Add(new("dns", name.Name.ToString()!)); break;
                case GeneralName.UniformResourceIdentifier: result.Add(new("uri", name.Name.ToString()!)); break;
                case GeneralName.IPAddress:
                    result.Add(new("ip", new IPAddress(Asn1OctetString.GetInstance(name.Name).GetOctets()).ToString()));
                    break;
                case GeneralName.OtherName:
                    var other = OtherName.GetInstance(name.Name);
                    if (other.TypeID.Equals(UpnOid) && other.Value is IAsn1String s) result.Add(new("upn", s.GetString()));
                    break;
            }
        }
        return result;
    }

    /// <summary>The first name of <paramref name="requested"/> that <paramref name="allowed"/> does not hold, or null when it is a subset.</summary>
    public static SubjectAltName? FirstNotIn(IReadOnlyList<SubjectAltName> requested, IReadOnlyList<SubjectAltName> allowed) =>
        requested.FirstOrDefault(r => !allowed.Any(a => SameName(a, r)));

    // Host names, mail addresses and UPNs are matched case-insensitively in practice; a URI path is not.
    private static bool SameName(SubjectAltName a, SubjectAltName b) =>
        a.Type == b.Type && string.Equals(a.Value, b.Value, a.Type == "uri" ? StringComparison.Ordinal : StringComparison.OrdinalIgnoreCase);

    /// <summary>How a sentence names the kind of <paramref name="san"/>: "DNS name x.example".</summary>
    public static string Describe(SubjectAltName san) => san.Type switch
    {
        "dns" => "DNS name",
        "upn" => "UPN",
        "email" => "email address",
        "uri" => "URI",
        "ip" => "IP address",
        _ => san.Type,
    } + " " + san.Value;

    /// <summary>How many names of <paramref name="names"/> are of a kind <see cref="FromGeneralNames"/> skips (directoryName, registeredID, ...).</summary>
    public static int Unreadable(GeneralNames? names) => (names?.GetNames().Length ?? 0) - FromGeneralNames(names).Count;

    private static ConnectorFailureException Bad(SubjectAltName san, string why) =>
        ConnectorFailureException.Final("BadSubjectAlternativeName", $"Subject alternative name '{san}' is not valid: {why}");
}
