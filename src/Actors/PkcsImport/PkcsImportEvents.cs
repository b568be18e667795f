using CertConnector.Actors.Common;
using CertConnector.Actors.Ports;

namespace CertConnector.Actors.PkcsImport;

/// <summary>The import was downloaded and accepted (2202, 2020). Sealed in the journal (<see cref="IHoldsSecret"/>): the PFX
/// holds the user's private key, protected only by its password, and its protection may be weak (legacy PBE).</summary>
public sealed record PkcsImportRequestDownloaded(string RequestId, PkcsImportRequest Request, DateTimeOffset At) : IConnectorEvent, IHoldsSecret;

/// <summary>The password was checked against the PFX and enveloped to the device (2050). Only the envelope is kept.</summary>
public sealed record PfxPasswordReencrypted(string RequestId, byte[] EncryptedPassword, DateTimeOffset At) : IConnectorEvent;

/// <summary>A step failed with a retryable error; it runs again at <see cref="NextAttemptAt"/> (2051, or 2101 for an upload).</summary>
public sealed record PkcsImportAttemptFailed(string RequestId, PkcsImportStage Stage, int Attempt, FailureReason Reason,
    DateTimeOffset NextAttemptAt, DateTimeOffset At) : IAttemptFailed<PkcsImportStage>;

/// <summary>Re-encrypting failed for good (2052): a final error (padding, wrong password, PFX without key or certificate, bad
/// device certificate) or retries exhausted. Still uploaded, as a failure.</summary>
public sealed record PkcsImportFailed(string RequestId, FailureReason Reason, DateTimeOffset At) : IConnectorEvent;

/// <summary>The result reached the service (2100, 2102, and 2000 or 2001). Terminal.</summary>
public sealed record PkcsImportResultUploaded(string RequestId, bool Succeeded, DateTimeOffset At) : IConnectorEvent;

/// <summary>The step a retry belongs to.</summary>
public enum PkcsImportStage { Reencrypt, Upload }
