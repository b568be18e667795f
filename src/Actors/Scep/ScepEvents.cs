using CertConnector.Actors.Common;

namespace CertConnector.Actors.Scep;

/// <summary>A PKIOperation arrived (4003). The challenge is deliberately not part of it.</summary>
public sealed record ScepRequestReceived(string RequestId, string TransactionId, byte[] CsrDer, string CallerInfo, string? RenewalOf,
    DateTimeOffset At) : IConnectorEvent, IHoldsSecret; // the signed CSR still holds the challengePassword attribute

/// <summary>The challenge (or the renewal signature) was accepted (4004).</summary>
/// <param name="Ca">the CA the challenge sends the enrollment to; null: the default CA (and every event written before CAs had names).</param>
public sealed record ScepRequestVerified(string RequestId, string Detail, DateTimeOffset At, string? Ca = null) : IConnectorEvent;

/// <summary>The request is refused for good: by the validator (4005) or by the CA (4007). The device gets
/// FAILURE with <see cref="FailInfo"/>; the service is still notified.</summary>
public sealed record ScepRequestRejected(string RequestId, ScepStage Stage, FailureReason Reason, ScepFailInfo FailInfo, DateTimeOffset At)
    : IConnectorEvent;

/// <summary>The CA issued the certificate (4006).</summary>
public sealed record ScepCertificateIssued(string RequestId, byte[] CertificateDer, string SerialNumber, string Thumbprint,
    DateTimeOffset NotAfter, string IssuingCa, DateTimeOffset At) : IConnectorEvent;

/// <summary>A retryable failure of a step; it runs again at <see cref="NextAttemptAt"/> (4005/4007/4009).</summary>
public sealed record ScepAttemptFailed(string RequestId, ScepStage Stage, int Attempt, FailureReason Reason, DateTimeOffset NextAttemptAt,
    DateTimeOffset At) : IAttemptFailed<ScepStage>;

/// <summary>
/// The device asked again (a PKCSReq or RenewalReq with the same transaction ID and signer) after the request was
/// rejected: a new round begins, decided afresh; its <see cref="ScepRequestReceived"/> follows. The rejection's
/// notification, if the service has not had it yet, is still delivered, before anything of the new round.
/// </summary>
public sealed record ScepRequestReopened(string RequestId, DateTimeOffset At) : IConnectorEvent;

/// <summary>The service has been told the outcome (4008): of the current round, or of the oldest earlier round not yet told.</summary>
public sealed record ScepServiceNotified(string RequestId, DateTimeOffset At) : IConnectorEvent;

public enum ScepStage { Verify, Issue, Notify }
