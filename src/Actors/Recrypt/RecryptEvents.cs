using CertConnector.Actors.Common;
using CertConnector.Actors.Ports;

namespace CertConnector.Actors.Recrypt;

/// <summary>The re-encrypt request was downloaded and accepted (1202, 1220). Its payload is enveloped to the connector key.</summary>
public sealed record RecryptRequestDownloaded(string RequestId, RecryptRequest Request, DateTimeOffset At) : IConnectorEvent;

/// <summary>The payload was opened with the connector key (1251). Records only its length: the plaintext stays in memory, and a
/// restart that finds this event without <see cref="RecryptPayloadReencrypted"/> decrypts again.</summary>
public sealed record RecryptPayloadDecrypted(string RequestId, int ContentLength, DateTimeOffset At) : IConnectorEvent;

/// <summary>The content was enveloped to the recipient certificate (1250). Only the new envelope is kept.</summary>
public sealed record RecryptPayloadReencrypted(string RequestId, byte[] EncryptedPayload, DateTimeOffset At) : IConnectorEvent;

/// <summary>A step failed with a retryable error; it runs again at <see cref="NextAttemptAt"/> (1252/1253, or 1301 for an upload).</summary>
public sealed record RecryptAttemptFailed(string RequestId, RecryptStage Stage, int Attempt, FailureReason Reason,
    DateTimeOffset NextAttemptAt, DateTimeOffset At) : IAttemptFailed<RecryptStage>;

/// <summary>Decrypting (1252) or re-encrypting (1253) failed for good; still uploaded, as a failure.</summary>
public sealed record RecryptFailed(string RequestId, RecryptStage Stage, FailureReason Reason, DateTimeOffset At) : IConnectorEvent;

/// <summary>The result reached the service (1300, 1302, and 1200 or 1201). Terminal.</summary>
public sealed record RecryptResultUploaded(string RequestId, bool Succeeded, DateTimeOffset At) : IConnectorEvent;

/// <summary>The step a retry or failure belongs to.</summary>
public enum RecryptStage { Decrypt, Reencrypt, Upload }
