using System.Text.Json;
using CertConnector.Actors.Common;
using CertConnector.Adapters.Crypto;
using Org.BouncyCastle.Pkcs;

namespace CertConnector.Adapters.Service.Standalone;

/// <summary>
/// What the standalone store keeps of a SCEP CSR: subject, SANs and the SHA-256 of the public key. Never the
/// CSR itself, whose challengePassword attribute is the one-time challenge in plaintext.
/// </summary>
internal sealed record ScepCsrSummary(string SubjectName, IReadOnlyList<SubjectAltName> SubjectAltNames, string? PublicKeySha256)
{
    public static readonly JsonSerializerOptions SanJson = new(JsonSerializerDefaults.Web);

    public static ScepCsrSummary Empty { get; } = new("", [], null);

    public string SubjectAltNamesJson => JsonSerializer.Serialize(SubjectAltNames, SanJson);

    public static IReadOnlyList<SubjectAltName> ParseSans(string json) => JsonSerializer.Deserialize<List<SubjectAltName>>(json, SanJson) ?? [];

    /// <summary>
    /// Reads without checking the signature (the edge did). A CSR that cannot be read is summarised as empty:
    /// a notification must be stored whatever the device sent, or it would be retried forever.
    /// </summary>
    public static ScepCsrSummary Of(byte[]? csrDer)
    {
        if (csrDer is not { Length: > 0 }) return Empty;
        try
        {
            var csr = new Pkcs10CertificationRequest(csrDer);
            return new ScepCsrSummary(DistinguishedName.ToText(csr.GetCertificationRequestInfo().Subject),
                CertificationRequests.RequestedSubjectAltNames(csr), CertificationRequests.PublicKeySha256(csr));
        }
        catch (Exception e) when (e is not OperationCanceledException)
        {
            return Empty;
        }
    }
}
