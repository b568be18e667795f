using CertConnector.Actors.Common;
using CertConnector.Actors.Ports;

namespace CertConnector.Actors.Pkcs;

/// <summary>The request was downloaded from the service and accepted for processing.</summary>
public sealed record PkcsRequestDownloaded(string RequestId, PkcsRequest Request, DateTimeOffset At) : IConnectorEvent;

/// <summary>
/// The CA issued the certificate and the key + certificate were sealed for the device. Only the CMS
/// envelopes are kept: the private key and the PKCS#12 password never reach the journal in plaintext.
/// </summary>
public sealed record PkcsCertificateIssued(
    string RequestId,
    byte[] EncryptedPfx,
    byte[] EncryptedPassword,
    byte[] CertificateDer,
    string SerialNumber,
    string Thumbprint,
    DateTimeOffset NotAfter,
    DateTimeOffset At) : IConnectorEvent;

/// <summary>
/// The key and CSR of a request that goes to a CA outside this process (an upstream SCEP CA), made once before the first call to
/// it: a retry after a lost answer, a crash or a kill -9 sends the same CSR, so the CA's transaction for it (polled first) can be
/// finished instead of failing on a certificate for a key nobody holds. Sealed in the journal (<see cref="IHoldsSecret"/>);
/// dropped from the state once the certificate is issued.
/// </summary>
public sealed record PkcsKeyMade(string RequestId, byte[] KeyPkcs8, byte[] CsrDer, DateTimeOffset At) : IConnectorEvent, IHoldsSecret;

/// <summary>A step failed with a retryable error; it runs again at <see cref="NextAttemptAt"/>.</summary>
public sealed record PkcsAttemptFailed(
    string RequestId,
    PkcsStage Stage,
    int Attempt,
    FailureReason Reason,
    DateTimeOffset NextAttemptAt,
    DateTimeOffset At) : IAttemptFailed<PkcsStage>;

/// <summary>The request failed for good (a final error, or retries exhausted); the failure is still uploaded.</summary>
public sealed record PkcsRequestFailed(string RequestId, FailureReason Reason, DateTimeOffset At) : IConnectorEvent;

/// <summary>The result (success or failure) reached the service. Terminal.</summary>
public sealed record PkcsResultUploaded(string RequestId, bool Succeeded, DateTimeOffset At) : IConnectorEvent;

/// <summary>The step a retry belongs to.</summary>
public enum PkcsStage { Issue, Upload }
