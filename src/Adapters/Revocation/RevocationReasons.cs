using CertConnector.Actors.Ports;

namespace CertConnector.Adapters.Revocation;

/// <summary>
/// The RFC 5280 reason names (as openssl prints them in camelCase: keyCompromise, superseded, ...), which is also how
/// the issued-certificate store keeps them, and their codes.
/// </summary>
public static class RevocationReasons
{
    public static string Name(RevocationReason reason) => reason switch
    {
        RevocationReason.Unspecified => "unspecified",
        RevocationReason.KeyCompromise => "keyCompromise",
        RevocationReason.AffiliationChanged => "affiliationChanged",
        RevocationReason.Superseded => "superseded",
        RevocationReason.CessationOfOperation => "cessationOfOperation",
        RevocationReason.CertificateHold => "certificateHold",
        _ => throw new ArgumentOutOfRangeException(nameof(reason), reason, "not a supported revocation reason"),
    };

    public static IReadOnlyList<string> Names { get; } = Enum.GetValues<RevocationReason>().Select(Name).ToList();

    /// <summary>Case-insensitive name (or its numeric code); false for anything else, including reasons we do not issue.</summary>
    public static bool TryParse(string? text, out RevocationReason reason)
    {
        reason = RevocationReason.Unspecified;
        if (string.IsNullOrWhiteSpace(text)) return false;
        foreach (var candidate in Enum.GetValues<RevocationReason>())
        {
            if (Name(candidate).Equals(text.Trim(), StringComparison.OrdinalIgnoreCase) || ((int)candidate).ToString() == text.Trim())
            {
                reason = candidate;
                return true;
            }
        }
        return false;
    }

    /// <summary>The reason kept in the store; a name we do not know (an older or foreign store) counts as unspecified.</summary>
    public static RevocationReason FromStored(string? stored) => TryParse(stored, out var reason) ? reason : RevocationReason.Unspecified;
}
