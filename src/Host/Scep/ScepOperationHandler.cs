using Akka.Actor;
using Akka.Hosting;
using CertConnector.Actors.Logging;
using CertConnector.Actors.Scep;
using CertConnector.Adapters.Scep;

namespace CertConnector.Host.Scep;

/// <summary>A SCEP HTTP answer: a body and its content type, or a plain HTTP error.</summary>
public sealed record ScepReply(int Status, byte[] Body, string ContentType)
{
    public const string PkiMessage = "application/x-pki-message";

    /// <summary>A CertRep's pkiStatus (success, failure, pending), for the metrics; null for any other reply.</summary>
    public string? PkiStatus { get; init; }

    public static ScepReply Message(byte[] body) => new(StatusCodes.Status200OK, body, PkiMessage);
    public static ScepReply Success(byte[] body) => Message(body) with { PkiStatus = "success" };
    public static ScepReply Failed(byte[] body) => Message(body) with { PkiStatus = "failure" };
    public static ScepReply Error(int status, string text) => new(status, System.Text.Encoding.UTF8.GetBytes(text + "\n"), "text/plain");
}

/// <summary>
/// PKIOperation: decode (adapter), route to the request actor (PKCSReq, RenewalReq, CertPoll) or answer
/// from the CA's ports (GetCert, GetCRL), build the signed CertRep (adapter). A device's mistake is a
/// FAILURE CertRep with its failInfo when the message can be answered at all, otherwise HTTP 400.
/// The edge knows neither the CA behind the ports nor the wire formats (<see cref="ScepPkiOperations"/>).
/// </summary>
public sealed class ScepOperationHandler(
    ScepPkiOperations pki,
    IRequiredActor<ScepRequestRegion> region,
    ScepOptions options,
    IConnectorEventLog log)
{
    public async Task<ScepReply> HandleAsync(byte[] body, string callerInfo, CancellationToken ct)
    {
        ScepRequestMessage message;
        try
        {
            message = await pki.DecodeAsync(body, ct);
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
            return pki.Failure(e) is { } failure
                ? ScepReply.Failed(failure)
                : ScepReply.Error(StatusCodes.Status400BadRequest, $"Malformed SCEP message: {e.Message}");
        }

        return message.MessageType switch
        {
            ScepMessageType.PKCSReq or ScepMessageType.RenewalReq => await EnrollAsync(message, callerInfo, ct),
            ScepMessageType.CertPoll => Answer(message, await AskAsync(new PollScepRequest(ScepPkiOperations.RequestId(message)), ct)),
            ScepMessageType.GetCert => GetCert(message),
            ScepMessageType.GetCRL => GetCrl(message),
            _ => Refuse(message, ScepFailInfo.BadRequest, $"{message.MessageType} is not a request message."),
        };
    }

    private async Task<ScepReply> EnrollAsync(ScepRequestMessage message, string callerInfo, CancellationToken ct)
    {
        // A renewal is signed with an existing certificate rather than a throw-away self-signed one. Its request actor
        // checks it (and journals, logs and notifies a refusal); the edge only hands over the signer.
        var renewal = message.MessageType == ScepMessageType.RenewalReq || !message.SignerIsSelfSigned;
        var submit = new SubmitScepRequest(ScepPkiOperations.RequestId(message), message.TransactionId, message.Csr!, message.ChallengePassword, callerInfo,
            renewal ? ScepPkiOperations.SignerSerial(message) : null, renewal ? message.SignerCertificate : null);
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
        null or { Status: ScepOutcomeStatus.Pending } => ScepReply.Message(pki.Pending(message)) with { PkiStatus = "pending" },
        { Status: ScepOutcomeStatus.Issued, CertificateDer: { } der } => ScepReply.Success(pki.Issued(message, der)),
        _ => ScepReply.Failed(pki.Failure(message, outcome.FailInfo ?? ScepFailInfo.BadRequest)),
    };

    private ScepReply GetCert(ScepRequestMessage message)
    {
        var (reply, refusal) = pki.GetCert(message);
        return reply is not null ? ScepReply.Success(reply) : Refuse(message, ScepFailInfo.BadCertId, refusal!);
    }

    private ScepReply GetCrl(ScepRequestMessage message)
    {
        var (reply, failInfo, refusal) = pki.GetCrl(message);
        return reply is not null ? ScepReply.Success(reply) : Refuse(message, failInfo, refusal!);
    }

    private ScepReply Refuse(ScepRequestMessage message, ScepFailInfo failInfo, string reason)
    {
        log.Write(ConnectorEvents.ScepVerifyFailure, ScepPkiOperations.RequestId(message), $"SCEP {message.MessageType} (transaction {message.TransactionId}) refused: {reason}",
            ("failInfo", failInfo.ToString()), ("transactionId", message.TransactionId));
        return ScepReply.Failed(pki.Failure(message, failInfo));
    }
}
