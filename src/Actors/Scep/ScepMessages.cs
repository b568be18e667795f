using System.Security.Cryptography;
using System.Text;
using CertConnector.Actors.Common;

namespace CertConnector.Actors.Scep;

/// <summary>The SCEP failInfo values (RFC 8894 3.2.1.4.5) a FAILURE answer carries.</summary>
public enum ScepFailInfo { BadAlg = 0, BadMessageCheck = 1, BadRequest = 2, BadTime = 3, BadCertId = 4 }

public enum ScepOutcomeStatus { Pending, Issued, Rejected }

/// <summary>
/// HTTP edge → request: a decoded PKCSReq or RenewalReq. <see cref="ChallengePassword"/> is held in memory only
/// (never persisted). A renewal (a request signed by an existing certificate rather than a throw-away key) names
/// the serial it renews in <see cref="RenewalOf"/> and carries the signer certificate itself in
/// <see cref="RenewalSignerDer"/> (memory only too): the request actor checks the renewal from those, never
/// from the sender's word, so a message from anywhere that claims a renewal is checked like any other.
/// </summary>
public sealed record SubmitScepRequest(
    string RequestId,
    string TransactionId,
    byte[] CsrDer,
    string? ChallengePassword,
    string CallerInfo,
    string? RenewalOf = null,
    byte[]? RenewalSignerDer = null) : IWithRequestId, IConnectorSerializable
{
    public override string ToString() => $"SubmitScepRequest({RequestId}, tx {TransactionId}, renewal {RenewalOf ?? "no"})";
}

/// <summary>HTTP edge → request: CertPoll (or any retransmission that only wants the current outcome).</summary>
public sealed record PollScepRequest(string RequestId) : IWithRequestId, IConnectorSerializable;

/// <summary>Request → HTTP edge: what to answer the device now.</summary>
public sealed record ScepRequestOutcome(
    string RequestId,
    ScepOutcomeStatus Status,
    byte[]? CertificateDer = null,
    ScepFailInfo? FailInfo = null,
    string? Reason = null) : IWithRequestId, IConnectorSerializable;

/// <summary>The SCEP feature's part of a <see cref="RequestView"/>: never the CSR or its challenge.</summary>
/// <param name="NotifyAttempts">failed attempts to notify the service of the outcome.</param>
public sealed record ScepViewDetails(string TransactionId, int NotifyAttempts) : IRequestViewDetails;

public static class ScepRequestIds
{
    /// <summary>
    /// One request per (transaction ID, requester key): a retransmission from the same requester reaches
    /// the same actor and gets the same certificate; another requester reusing the ID gets its own.
    /// </summary>
    /// <param name="renewedSerial">for a renewal, the serial of the signing certificate being renewed.</param>
    public static string For(string transactionId, byte[] requesterPublicKeyInfo, string? renewedSerial = null)
    {
        var input = Encoding.UTF8.GetBytes(transactionId).Concat(new byte[] { 0 }).Concat(requesterPublicKeyInfo)
            .Concat(Encoding.UTF8.GetBytes(renewedSerial is null ? "" : "\0renewal:" + renewedSerial)).ToArray();
        return "scep-" + Convert.ToHexString(SHA256.HashData(input), 0, 16).ToLowerInvariant();
    }
}
