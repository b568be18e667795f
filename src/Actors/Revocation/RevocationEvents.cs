using CertConnector.Actors.Common;
using CertConnector.Actors.Ports;

namespace CertConnector.Actors.Revocation;

/// <summary>The revocation was downloaded from the service and accepted (3002, 3020).</summary>
public sealed record RevocationRequestDownloaded(string RequestId, RevocationRequest Request, DateTimeOffset At) : IConnectorEvent;

/// <summary>The CA says the certificate is revoked (3050); <see cref="AlreadyRevoked"/> when it was before this request,
/// which the service counts as success (reported with code 4005).</summary>
/// <param name="Ca">the CA that revoked it; null in events written before CAs had names.</param>
public sealed record CertificateRevoked(string RequestId, bool AlreadyRevoked, DateTimeOffset At, string? Ca = null) : IConnectorEvent;

/// <summary>A step failed with a retryable error; it runs again at <see cref="NextAttemptAt"/> (3052, or 3101 for an upload).</summary>
public sealed record RevocationAttemptFailed(string RequestId, RevocationStage Stage, int Attempt, FailureReason Reason,
    DateTimeOffset NextAttemptAt, DateTimeOffset At) : IAttemptFailed<RevocationStage>;

/// <summary>Revoking failed for good (3051): a final error (unknown serial, 4004) or retries exhausted; still uploaded.</summary>
/// <param name="ErrorCode">the code the service is told (docs/DESIGN.md §8): 4004 not found, 4100 gave up on a retryable error (the service may
/// send it again), 4000 any other final error.</param>
public sealed record RevocationFailed(string RequestId, FailureReason Reason, string ErrorCode, DateTimeOffset At) : IConnectorEvent;

/// <summary>The result reached the service (3100, 3102, and 3000 or 3001). Terminal.</summary>
public sealed record RevocationResultUploaded(string RequestId, bool Succeeded, DateTimeOffset At) : IConnectorEvent;

/// <summary>The step a retry belongs to.</summary>
public enum RevocationStage { Revoke, Upload }
