namespace CertConnector.Actors.Ports;

/// <summary>What the SCEP feature asks the service to validate: the device's CSR and its challenge.</summary>
public sealed record ScepValidationRequest(
    string TransactionId,
    byte[] CsrDer,
    string? ChallengePassword,
    string CallerInfo);

/// <summary>The service's answer. Anything but <see cref="Valid"/> denies issuance; <see cref="Code"/> is
/// "Success" or the service's reason. <see cref="Ca"/> is the CA the challenge sends the enrollment to (null: the default CA).</summary>
public sealed record ChallengeVerdict(bool Valid, string Code, string? Description = null, string? Ca = null)
{
    public static ChallengeVerdict Success { get; } = new(true, "Success");
    public static ChallengeVerdict Denied(string code, string description) => new(false, code, description);
}

/// <summary>
/// Checks a SCEP request's challenge (and that the CSR matches what the challenge was issued for).
/// Standalone: one-time challenges minted by the admin API. Service-connected: the service's validateRequest.
/// Throws a retryable <see cref="Common.ConnectorFailureException"/> when the validator cannot be reached.
/// </summary>
public interface IChallengeValidator
{
    Task<ChallengeVerdict> ValidateAsync(ScepValidationRequest request, CancellationToken cancellationToken);
}

/// <summary>The outcome of one SCEP request, as told to the service after the device has its answer.</summary>
public sealed record ScepNotification(
    string TransactionId,
    byte[] CsrDer,
    bool Succeeded,
    string CallerInfo,
    string? CertificateThumbprint = null,
    string? CertificateSerialNumber = null,
    DateTimeOffset? CertificateExpirationDateUtc = null,
    string? IssuingCertificateAuthority = null,
    int? HResult = null,
    string? ErrorDescription = null);

/// <summary>Tells the service a SCEP request's outcome (successNotification / failureNotification).
/// Idempotent per transaction ID. Throws <see cref="Common.ConnectorFailureException"/> on failure.</summary>
public interface IScepResultNotifier
{
    Task NotifyAsync(ScepNotification notification, CancellationToken cancellationToken);
}

/// <summary>
/// A request signed by an existing certificate rather than a throw-away key (a RenewalReq): the signer certificate
/// as the device sent it, the new CSR, the serial the request is addressed by (its request ID holds it), and the
/// request ID it asks the CA with: a certificate already renewed for that very request is its own retry, not a second renewal.
/// </summary>
public sealed record ScepRenewalCheck(byte[] SignerCertificateDer, byte[] CsrDer, string? RenewedSerial, string? IssuanceRequestId = null);

/// <summary>Accepted (<see cref="Refusal"/> null) or refused with a sentence that names what differed.</summary>
/// <param name="Ca">the configured CA that issued the renewed certificate, which issues its renewal; null: the built-in CA.</param>
public sealed record ScepRenewalVerdict(string? RenewedSerial, string? Refusal, string? Ca = null)
{
    public bool Accepted => Refusal is null;
}

/// <summary>
/// Decides whether a renewal may be issued without a challenge: the signer is a current SCEP certificate of this CA
/// (not revoked, superseded or renewed already), inside the renewal window, and the new request keeps its subject,
/// a subset of its SANs and its template. The request actor asks it itself, whatever the sender of the request
/// believed. Synchronous: one lookup in the issued-certificate store; the actor runs it off its thread.
/// </summary>
public interface IScepRenewalChecker
{
    ScepRenewalVerdict Check(ScepRenewalCheck request);
}
