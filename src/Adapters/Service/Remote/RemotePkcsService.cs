using CertConnector.Actors.Common;
using CertConnector.Actors.Logging;
using CertConnector.Actors.Ports;

namespace CertConnector.Adapters.Service.Remote;

/// <summary>
/// <see cref="IPkcsService"/> over the service's downloadPkcsRequests / uploadPkcsResults (docs/DESIGN.md §8). The service's
/// <c>caConfiguration</c> names the CA (<c>Connector:Cas:NAME</c>); a name this instance does not have fails the request (UnknownCa). A request the
/// connector cannot take (unknown key algorithm, device certificate not base64) is answered at once with a failure
/// result (<see cref="PkiRequestCalls"/>).
/// </summary>
/// <param name="honourCaConfiguration">false: the service's <c>caConfiguration</c> is ignored (no CA is named in the settings), every request goes to the default CA.</param>
public sealed class RemotePkcsService(ServiceChannel channel, IConnectorEventLog log, bool honourCaConfiguration = true) : IPkcsService
{
    public const string Base = PkiRequestCalls.Base;

    public Task<IReadOnlyList<PkcsRequest>> DownloadPkcsRequestsAsync(int maxRequests, CancellationToken cancellationToken) =>
        channel.DownloadAsync<PkcsRequestDto, PkcsRequest>("downloadPkcsRequests", ConnectorEvents.PkcsDownloadFailure, maxRequests,
            dto => dto.RequestId, dto => dto.ToRequest(honourCaConfiguration),
            new(log, ConnectorEvents.PkcsRequestFailure, "PKCS", (refused, ct) => UploadPkcsResultsAsync(
                [.. refused.Select(r => new PkcsResult(r.RequestId, false, r.ErrorCode, r.Reason))], ct)),
            cancellationToken);

    public Task UploadPkcsResultsAsync(IReadOnlyList<PkcsResult> results, CancellationToken cancellationToken) =>
        channel.UploadAsync("uploadPkcsResults", ConnectorEvents.PkcsUploadFailure, [.. results.Select(r => r.RequestId)],
            results.Select(r => new
            {
                requestId = r.RequestId,
                succeeded = r.Succeeded,
                errorCode = r.ErrorCode,
                errorMessage = r.ErrorMessage,
                encryptedPfx = r.EncryptedPfx is null ? null : Convert.ToBase64String(r.EncryptedPfx),
                encryptedPassword = r.EncryptedPassword is null ? null : Convert.ToBase64String(r.EncryptedPassword),
                certificate = r.CertificateDer is null ? null : Convert.ToBase64String(r.CertificateDer),
                certificateThumbprint = r.CertificateThumbprint,
                serialNumber = r.SerialNumber,
                expirationDateUtc = r.ExpirationDateUtc,
            }).ToList(), cancellationToken);

    private sealed record SanDto(string? Type, string? Value);

    private sealed record PkcsRequestDto(
        string RequestId, string? SubjectName, List<SanDto>? SubjectAlternativeNames, string? CertificateType, string? TemplateName,
        string? CaConfiguration, string? KeyAlgorithm, int? KeySize, string? Curve, int? ValidityDays, string? KeyUsage,
        List<string>? ExtendedKeyUsages, string? OnPremisesSid, string? DeviceCertificate)
    {
        public PkcsRequest ToRequest(bool honourCaConfiguration)
        {
            if (string.IsNullOrWhiteSpace(SubjectName)) throw new FormatException("subjectName is empty.");
            if (string.IsNullOrWhiteSpace(TemplateName)) throw new FormatException("templateName is empty.");
            if (string.IsNullOrWhiteSpace(DeviceCertificate)) throw new FormatException("deviceCertificate is empty.");
            var keySpec = (KeyAlgorithm?.ToUpperInvariant()) switch
            {
                "RSA" or null => $"rsa:{KeySize ?? 2048}",
                "ECDSA" or "EC" => $"ec:{(Curve ?? $"p{KeySize ?? 256}").Replace("-", "").ToLowerInvariant()}",
                _ => throw new FormatException($"keyAlgorithm '{KeyAlgorithm}' is not RSA or ECDSA."),
            };
            var sans = new List<SubjectAltName>();
            foreach (var san in SubjectAlternativeNames ?? [])
                sans.Add(SubjectAltName.TryParse($"{san.Type}:{san.Value}", out var parsed) ? parsed!
                    : throw new FormatException($"subject alternative name '{san.Type}:{san.Value}' is not one of {string.Join(", ", SubjectAltName.SupportedTypes)}."));
            return new PkcsRequest(RequestId, SubjectName, sans, TemplateName, KeySpec.Parse(keySpec), Convert.FromBase64String(DeviceCertificate),
                CertificateType ?? "device", OnPremisesSid, ValidityDays,
                !honourCaConfiguration || string.IsNullOrWhiteSpace(CaConfiguration) ? null : CaConfiguration.Trim());
        }
    }
}

/// <summary><c>{"value":[…]}</c></summary>
public sealed record ValueList<T>(List<T>? Value);

/// <summary><c>{"value":true}</c>: the service acknowledges an upload.</summary>
public sealed record ValueFlag(bool Value)
{
    /// <summary>Anything but true is no acknowledgement: the result is uploaded again.</summary>
    public void EnsureAcknowledged(string call)
    {
        if (!Value) throw ConnectorFailureException.Transient(ServiceFailureCodes.NotAcknowledged, $"The service did not acknowledge {call} (value false); it will be uploaded again.");
    }
}
