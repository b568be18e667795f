using Akka.Actor;
using CertConnector.Actors.Common;
using CertConnector.Actors.Logging;
using CertConnector.Actors.Ports;

namespace CertConnector.Actors.Recrypt;

/// <summary>The ports one re-encrypt request needs, resolved once per node.</summary>
public sealed record RecryptPorts(IConnectorKeyCipher Cipher, IRecryptService Service, IConnectorEventLog Log, RecryptOptions Options);

/// <summary>
/// One re-encrypt request, persistent and sharded by request ID. Decrypting and re-encrypting run as one step off the actor
/// thread; the plaintext is cleared before the step's outcome (the new envelope, or which half failed) comes back.
/// </summary>
public sealed class RecryptRequestActor : RequestActor<RecryptStage>
{
    private readonly RecryptPorts _ports;
    private RecryptRequestState _state;

    /// <summary>The journal's name for this feature's request (see <see cref="Pkcs.PkcsRequestActor.PersistenceIdOf"/>).</summary>
    public static string PersistenceIdOf(string requestId) => $"recrypt-{requestId}";

    public RecryptRequestActor(string requestId, RecryptPorts ports) : base(PersistenceIdOf(requestId))
    {
        _ports = ports;
        _state = RecryptRequestState.Empty(requestId);

        Command<StartRecryptRequest>(start => Accept(_state.DecideStart(start.Request, Now)));
        Command<Recrypted>(ok => PersistThen(_state.DecideRecrypted(ok.ContentLength, ok.EncryptedPayload, Now)));
        Command<ReencryptFailed>(f => PersistThen(_state.DecideReencryptFailed(f.ContentLength, f.Reason, _ports.Options.RetryPolicy, Now, Random.Shared.NextDouble())));
        Command<UploadSucceeded>(_ => PersistThen(_state.DecideUploaded(Now)));
    }

    public static Props Props(string requestId, RecryptPorts ports) => Akka.Actor.Props.Create(() => new RecryptRequestActor(requestId, ports));

    protected override void ApplyEvent(IConnectorEvent e) => _state = _state.Apply(e);

    protected override RequestStep NextStep() => _state.NextStep();

    protected override RequestView View() => _state.ToRequestView();

    protected override RequestStep CurrentStep() => _state.StepAfterWait();

    protected override bool IsFinished => _state.IsTerminal;

    protected override void OnStepFailed(RecryptStage stage, FailureReason reason) =>
        PersistFailure(_state.DecideFailure(stage, reason, _ports.Options.RetryPolicy, Now, Random.Shared.NextDouble()), () =>
            WriteEvent(ConnectorEvents.PkcsRecryptUploadFailure, $"Uploading the result failed and will not be retried until the request is downloaded again. {reason.Code}: {reason.Message}"));

    protected override void Start(RequestStep step)
    {
        var ports = _ports;
        switch (step)
        {
            case RecryptNextStep.Recrypt:
                var request = _state.Request!;
                var now = Now;
                // A failure to open the envelope throws (stage Decrypt); one after it is reported as ReencryptFailed.
                RunStep(RecryptStage.Decrypt, ports.Options.CaTimeout, _ =>
                {
                    using var content = ports.Cipher.OpenPayload(request.EncryptedPayload);
                    try
                    {
                        return Task.FromResult<object>(new Recrypted(content.Length, ports.Cipher.SealPayload(content, request.RecipientCertificate, now)));
                    }
                    catch (Exception e)
                    {
                        return Task.FromResult<object>(new ReencryptFailed(content.Length, FailureReason.From(e)));
                    }
                });
                break;
            case RecryptNextStep.Upload upload:
                RunStep(RecryptStage.Upload, ports.Options.UploadTimeout, async timeout =>
                {
                    await ports.Service.UploadRecryptResultsAsync([upload.Outcome], timeout).ConfigureAwait(false);
                    return UploadSucceeded.Instance;
                });
                break;
        }
    }

    protected override void OnFinished()
    {
        TellSubscribers(new RecryptRequestCompleted(_state.RequestId, _state.Status == RecryptStatus.Uploaded));
        Passivate();
    }

    protected override void Report(IConnectorEvent e)
    {
        switch (e)
        {
            case RecryptRequestDownloaded d:
                WriteEvent(ConnectorEvents.PkcsRecryptDownloadedRequest, $"Re-encrypt request {d.RequestId} downloaded ({d.Request.EncryptedPayload.Length}-byte payload).");
                break;
            case RecryptPayloadDecrypted d:
                WriteEvent(ConnectorEvents.PkcsRecryptDecryptSuccess, $"The payload of {d.RequestId} was opened with the connector key ({d.ContentLength} bytes).");
                break;
            case RecryptPayloadReencrypted:
                WriteEvent(ConnectorEvents.PkcsRecryptReencryptSuccess, $"The payload of {_state.RequestId} was enveloped to the recipient certificate.");
                break;
            case RecryptAttemptFailed f:
                WriteEvent(f.Stage switch
                    {
                        RecryptStage.Decrypt => ConnectorEvents.PkcsRecryptDecryptFailure,
                        RecryptStage.Reencrypt => ConnectorEvents.PkcsRecryptReencryptFailure,
                        _ => ConnectorEvents.PkcsRecryptUploadFailure,
                    }, $"{f.Stage} failed (attempt {f.Attempt}); retrying at {f.NextAttemptAt:O}. {f.Reason.Code}: {f.Reason.Message}",
                    ("attempt", f.Attempt), ("errorCode", f.Reason.Code));
                break;
            case RecryptFailed f:
                WriteEvent(f.Stage == RecryptStage.Decrypt ? ConnectorEvents.PkcsRecryptDecryptFailure : ConnectorEvents.PkcsRecryptReencryptFailure,
                    $"{f.Stage} failed for good. {f.Reason.Code}: {f.Reason.Message}", ("errorCode", f.Reason.Code));
                break;
            case RecryptResultUploaded u:
                WriteEvent(ConnectorEvents.PkcsRecryptUploadedRequest, $"Result of re-encrypt request {u.RequestId} uploaded ({(u.Succeeded ? "success" : "failure")}).");
                WriteEvent(ConnectorEvents.PkcsRecryptUploadSuccess, "Re-encrypt results were uploaded.", ("count", 1));
                if (u.Succeeded)
                    WriteEvent(ConnectorEvents.PkcsRecryptRequestSuccess, $"Re-encrypt request {u.RequestId} processed: the payload is enveloped to the recipient.");
                else
                    WriteEvent(ConnectorEvents.PkcsRecryptRequestFailure, $"Re-encrypt request {u.RequestId} failed ({_state.Failure?.Stage}). {_state.Failure?.Reason.Code}: {_state.Failure?.Reason.Message}",
                        ("errorCode", _state.Failure?.Reason.Code));
                break;
        }
    }

    private void WriteEvent(EventDefinition definition, string message, params (string, object?)[] properties) =>
        WriteEvent(_ports.Log, _state.RequestId, ClientRequestId, definition, message, properties);

    private sealed record Recrypted(int ContentLength, byte[] EncryptedPayload);
    private sealed record ReencryptFailed(int ContentLength, FailureReason Reason);
    private sealed record UploadSucceeded { public static readonly UploadSucceeded Instance = new(); }
}
