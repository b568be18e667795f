using CertConnector.Actors.Logging;
using CertConnector.Actors.Ports;

namespace CertConnector.Adapters.Service.Remote;

/// <summary>
/// The SCEP ports over the service's ScepActions (docs/DESIGN.md §8, as Intune's): validateRequest decides issuance (any code but
/// Success denies it); success/failureNotification tell the outcome. The challenge travels inside the CSR only.
/// </summary>
public sealed class RemoteScepService(ServiceChannel channel) : IChallengeValidator, IScepResultNotifier
{
    public const string Base = "ScepActions";
    public const int MaxErrorDescriptionLength = 255;

    public async Task<ChallengeVerdict> ValidateAsync(ScepValidationRequest request, CancellationToken cancellationToken)
    {
        var answer = await channel.PostAsync<ValidationAnswer>(new ServiceCall(ServiceNames.ScepValidation, $"{Base}/validateRequest", ConnectorEvents.ScepVerifyFailure, request.TransactionId),
            new { request = new { transactionId = request.TransactionId, certificateRequest = Convert.ToBase64String(request.CsrDer), callerInfo = request.CallerInfo } },
            cancellationToken).ConfigureAwait(false);
        return string.Equals(answer.Code, "Success", StringComparison.Ordinal)
            ? ChallengeVerdict.Success
            : ChallengeVerdict.Denied(answer.Code ?? "Unknown", answer.ErrorDescription ?? "The service denied the request.");
    }

    public async Task NotifyAsync(ScepNotification n, CancellationToken cancellationToken)
    {
        var csr = Convert.ToBase64String(n.CsrDer);
        var (path, body) = n.Succeeded
            ? ($"{Base}/successNotification", (object)new
            {
                notification = new
                {
                    transactionId = n.TransactionId, certificateRequest = csr, certificateThumbprint = n.CertificateThumbprint,
                    certificateSerialNumber = n.CertificateSerialNumber, certificateExpirationDateUtc = n.CertificateExpirationDateUtc?.UtcDateTime.ToString("O"),
                    issuingCertificateAuthority = n.IssuingCertificateAuthority, callerInfo = n.CallerInfo,
                },
            })
            : ($"{Base}/failureNotification", new
            {
                notification = new
                {
                    transactionId = n.TransactionId, certificateRequest = csr, hResult = n.HResult ?? unchecked((int)0x80004005),
                    errorDescription = Truncate(n.ErrorDescription ?? "Failed."), callerInfo = n.CallerInfo,
                },
            });
        var answer = await channel.PostAsync<ValidationAnswer>(new ServiceCall(ServiceNames.ScepValidation, path, ConnectorEvents.ScepNotifyAttemptFailed, n.TransactionId),
            body, cancellationToken).ConfigureAwait(false);
        if (answer.Code is { } code && !string.Equals(code, "Success", StringComparison.Ordinal))
            throw Actors.Common.ConnectorFailureException.Transient(ServiceFailureCodes.NotAcknowledged, $"The service answered {code} to the notification: {answer.ErrorDescription}");
    }

    private static string Truncate(string text) => text.Length <= MaxErrorDescriptionLength ? text : text[..MaxErrorDescriptionLength];

    private sealed record ValidationAnswer(string? Code, string? ErrorDescription);
}
