using CertConnector.Actors.Common;
using CertConnector.Adapters.Crypto;

namespace CertConnector.Host.Admin;

/// <summary>
/// The subject DN and SAN list of a PKCS request or a SCEP challenge, checked the same way for both:
/// the DN by <see cref="DistinguishedName"/>, each SAN by <see cref="SubjectAltNameRules"/>, the SAN count
/// against <see cref="AdminOptions.MaxSubjectAltNames"/>.
/// </summary>
public static class SubjectFields
{
    public static ApiError? Check(string? subject, IReadOnlyList<string?>? sanTexts, AdminOptions options, out List<SubjectAltName> sans)
    {
        sans = [];
        if (!DistinguishedName.TryParse(subject, out _, out var dnError))
            return new ApiError($"Invalid subject DN: {dnError}", "subject");
        if (sanTexts is { Count: var count } && count > options.MaxSubjectAltNames)
            return new ApiError($"{count} SANs is more than the {options.MaxSubjectAltNames} allowed (Connector:Admin:MaxSubjectAltNames).", "sans");
        foreach (var text in sanTexts ?? [])
        {
            if (!SubjectAltNameRules.TryParse(text, out var san, out var sanError)) return new ApiError(sanError, "sans");
            sans.Add(san);
        }
        return null;
    }
}
