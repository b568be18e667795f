using Akka.Actor;
using Akka.Hosting;
using CertConnector.Actors.Logging;
using CertConnector.Actors.Scep;
using CertConnector.Adapters.Ca.BuiltIn;
using CertConnector.Adapters.Crypto;
using CertConnector.Adapters.Scep;
using Org.BouncyCastle.X509;

namespace CertConnector.Host.Scep;

/// <summary>A SCEP HTTP answer: a body and its content type, or a plain HTTP error.</summary>
public sealed record ScepReply(int Status, byte[] Body, string ContentType)
{
    public const string PkiMessage = "application/x-pki-message";
    public static ScepReply Message(byte[] body) => new(StatusCodes.Status200OK, body, PkiMessage);
    public static ScepReply Error(int status, string text) => new(status, System.Text.Encoding.UTF8.GetBytes(text + "\n"), "text/plain");
}

/// <summary>
/// PKIOperation: decode (adapter), route to the request actor (PKCSReq, RenewalReq, CertPoll) or answer
/// from the CA store (GetCert, GetCRL), build the signed CertRep (adapter). A device's mistake is a
/// FAILURE CertRep with its failInfo when the message can be answered at all, otherwise HTTP 400.
/// </summary>
public sealed class ScepOperationHandler(
    BuiltInCa ca,
    IRequiredActor<ScepRequestRegion> region,
    ScepRenewalPolicy renewals,
    ScepOptions options,
    IConnectorEventLog log)
{
    private readonly PkiMessageDecoder _decoder = new(ca.RaCertificate, ca.RaPrivateKey);
    private readonly CertRepBuilder _certRep = new(ca.RaCertificate, ca.RaPrivateKey, ca.CaChain);

    public async Task<ScepReply> HandleAsync(byte[] body, string callerInfo, CancellationToken ct)
    {
        ScepRequestMessage message;
        try
        {
            message = _decoder.Decode(body);
        }
        catch (NotScepException e)
        {
            log.Write(ConnectorEvents.ScepVerifyFailure, null, $"A PKIOperation from {callerInfo} is not a SCEP message: {e.Message}");
            return ScepReply.Error(StatusCodes.Status400BadRequest, "Not a SCEP pkiMessage.");
        }
        catch (ScepDecodeException e)
        {
            log.Write(ConnectorEvents.ScepVerifyFailure, e.TransactionId, $"A SCEP message from {callerInfo} was refused ({e.FailInfo}): {e.Message}",
                ("failInfo", e.FailInfo.ToString()));
            return CertRepBuilder.CanAnswer(e)
                ? ScepReply.Message(_certRep.Failure(e))
                : ScepReply.Error(StatusCodes.Status400BadRequest, $"Malformed SCEP message: {e.Message}");
        }

        return message.MessageType switch
        {
            ScepMessageType.PKCSReq or ScepMessageType.RenewalReq => await EnrollAsync(message, callerInfo, ct),
            ScepMessageType.CertPoll => Answer(message, await AskAsync(new PollScepRequest(RequestId(message)), ct)),
            ScepMessageType.GetCert => GetCert(message),
            _ => Refuse(message, ScepFailInfo.BadRequest, "GetCRL is not served yet: revocation is not implemented."),
        };
    }

    private async Task<ScepReply> EnrollAsync(ScepRequestMessage message, string callerInfo, CancellationToken ct)
    {
        // The decoder has verified the CSR; only its subject is needed here (no key parse: it is costly in BouncyCastle).
        var csr = new Org.BouncyCastle.Pkcs.Pkcs10CertificationRequest(message.Csr!);
        string? renewalOf = null, refusal = null;
        // A renewal is signed with an existing certificate rather than a throw-away self-signed one. A refused
        // renewal still goes to its request actor, which journals, logs (4003, 4005) and notifies the refusal.
        if (message.MessageType == ScepMessageType.RenewalReq || !message.SignerIsSelfSigned)
        {
            var (serial, error) = renewals.Check(message.SignerCertificate, csr.GetCertificationRequestInfo().Subject);
            if (error is not null) refusal = $"Renewal refused: {error}.";
            else renewalOf = serial;
        }
        var submit = new SubmitScepRequest(RequestId(message), message.TransactionId, message.Csr!, message.ChallengePassword, callerInfo,
            renewalOf, refusal);
        return Answer(message, await AskAsync(submit, ct));
    }

    /// <summary>Waits for the outcome for as long as the response budget allows; after that the device hears PENDING and polls.</summary>
    private async Task<ScepRequestOutcome?> AskAsync(object question, CancellationToken ct)
    {
        try
        {
            return await region.ActorRef.Ask<ScepRequestOutcome>(question, options.ResponseBudget, ct);
        }
        catch (AskTimeoutException)
        {
            return null;
        }
    }

    private ScepReply Answer(ScepRequestMessage message, ScepRequestOutcome? outcome) => outcome switch
    {
        null or { Status: ScepOutcomeStatus.Pending } => ScepReply.Message(_certRep.Pending(message)),
        { Status: ScepOutcomeStatus.Issued, CertificateDer: { } der } => ScepReply.Message(_certRep.Success(message, [new X509Certificate(der), .. ca.CaChain])),
        _ => ScepReply.Message(_certRep.Failure(message, outcome.FailInfo ?? ScepFailInfo.BadRequest)),
    };

    private ScepReply GetCert(ScepRequestMessage message)
    {
        var serial = message.SerialNumber is { } s ? CertificateIds.SerialHex(new Org.BouncyCastle.Math.BigInteger(s.ToString())) : null;
        var record = serial is null ? null : ca.Store.FindBySerial(serial);
        return record is null
            ? Refuse(message, ScepFailInfo.BadCertId, $"GetCert: no certificate with serial {serial}.")
            : ScepReply.Message(_certRep.Success(message, [new X509Certificate(record.Der), .. ca.CaChain]));
    }

    private ScepReply Refuse(ScepRequestMessage message, ScepFailInfo failInfo, string reason)
    {
        log.Write(ConnectorEvents.ScepVerifyFailure, RequestId(message), $"SCEP {message.MessageType} (transaction {message.TransactionId}) refused: {reason}",
            ("failInfo", failInfo.ToString()), ("transactionId", message.TransactionId));
        return ScepReply.Message(_certRep.Failure(message, failInfo));
    }

    /// <summary>
    /// The request actor for this message. A message signed with a throw-away self-signed certificate is
    /// an initial enrollment (or its CertPoll); one signed with an issued certificate is a renewal of that
    /// certificate. scepclient reuses the transaction ID (a hash of the key) for renewals, so the signer's
    /// serial keeps a renewal from being taken for a retransmission of the first enrollment.
    /// </summary>
    private static string RequestId(ScepRequestMessage message)
    {
        var signer = new X509Certificate(message.SignerCertificate);
        var renewing = message.SignerIsSelfSigned ? null : CertificateIds.SerialHex(signer.SerialNumber);
        return ScepRequestIds.For(message.TransactionId, signer.CertificateStructure.SubjectPublicKeyInfo.GetDerEncoded(), renewing);
    }
}
