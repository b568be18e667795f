using Akka.Actor;
using CertConnector.Actors.Common;
using CertConnector.Actors.Logging;
using CertConnector.Actors.Ports;

namespace CertConnector.Actors.PkcsImport;

/// <summary>The ports one import needs, resolved once per node.</summary>
public sealed record PkcsImportPorts(IConnectorKeyCipher Cipher, IPkcsImportService Service, IConnectorEventLog Log, PkcsImportOptions Options);

/// <summary>
/// One PKCS import, persistent and sharded by request ID. The password is decrypted, checked and enveloped to the device
/// in one step off the actor thread; only the envelope comes back and is journaled before the upload.
/// </summary>
public sealed class PkcsImportRequestActor : RequestActor<PkcsImportStage>
{
    private readonly PkcsImportPorts _ports;
    private PkcsImportRequestState _state;

    /// <summary>The journal's name for this feature's request (see <see cref="Pkcs.PkcsRequestActor.PersistenceIdOf"/>).</summary>
    // "pfximport-": the journal name written before the feature was named PKCS import everywhere; changing it would orphan stored requests.
    public static string PersistenceIdOf(string requestId) => $"pfximport-{requestId}";

    public PkcsImportRequestActor(string requestId, PkcsImportPorts ports) : base(PersistenceIdOf(requestId))
    {
        _ports = ports;
        _state = PkcsImportRequestState.Empty(requestId);

        Command<StartPkcsImportRequest>(start => Accept(_state.DecideStart(start.Request, Now)));
        Command<ReencryptSucceeded>(ok => PersistThen(_state.DecideReencrypted(ok.EncryptedPassword, Now)));
        Command<UploadSucceeded>(_ => PersistThen(_state.DecideUploaded(Now)));
    }

    public static Props Props(string requestId, PkcsImportPorts ports) => Akka.Actor.Props.Create(() => new PkcsImportRequestActor(requestId, ports));

    protected override void ApplyEvent(IConnectorEvent e) => _state = _state.Apply(e);

    protected override RequestStep NextStep() => _state.NextStep();

    protected override RequestView View() => _state.ToRequestView();

    protected override RequestStep CurrentStep() => _state.StepAfterWait();

    protected override bool IsFinished => _state.IsTerminal;

    protected override void OnStepFailed(PkcsImportStage stage, FailureReason reason) =>
        PersistFailure(_state.DecideFailure(stage, reason, _ports.Options.RetryPolicy, Now, Random.Shared.NextDouble()), () =>
            WriteEvent(ConnectorEvents.PkcsImportUploadFailure, $"Uploading the result failed and will not be retried until the request is downloaded again. {reason.Code}: {reason.Message}"));

    protected override void Start(RequestStep step)
    {
        var ports = _ports;
        switch (step)
        {
            case PkcsImportNextStep.Reencrypt:
                var request = _state.Request!;
                var now = Now;
                RunStep(PkcsImportStage.Reencrypt, ports.Options.CaTimeout, _ =>
                    Task.FromResult<object>(new ReencryptSucceeded(ports.Cipher.ReencryptPfxPassword(request, now))));
                break;
            case PkcsImportNextStep.Upload upload:
                RunStep(PkcsImportStage.Upload, ports.Options.UploadTimeout, async timeout =>
                {
                    await ports.Service.UploadPkcsImportResultsAsync([upload.Outcome], timeout).ConfigureAwait(false);
                    return UploadSucceeded.Instance;
                });
                break;
        }
    }

    protected override void OnFinished()
    {
        TellSubscribers(new PkcsImportRequestCompleted(_state.RequestId, _state.Status == PkcsImportStatus.Uploaded));
        Passivate();
    }

    protected override void Report(IConnectorEvent e)
    {
        switch (e)
        {
            case PkcsImportRequestDownloaded d:
                WriteEvent(ConnectorEvents.PkcsImportDownloadedRequest, $"Import {d.RequestId} downloaded: user {d.Request.UserPrincipalName}, padding {d.Request.PaddingScheme}.",
                    ("userPrincipalName", d.Request.UserPrincipalName), ("paddingScheme", d.Request.PaddingScheme), ("thumbprint", d.Request.Thumbprint));
                break;
            case PfxPasswordReencrypted:
                WriteEvent(ConnectorEvents.PkcsImportReencryptSuccess, $"The PFX password of import {_state.RequestId} opens the PFX and was enveloped to the device certificate.");
                break;
            case PkcsImportAttemptFailed { Stage: PkcsImportStage.Reencrypt } f:
                WriteEvent(ConnectorEvents.PkcsImportReencryptFailedAttempt, $"Re-encrypting failed (attempt {f.Attempt}); retrying at {f.NextAttemptAt:O}. {f.Reason.Code}: {f.Reason.Message}",
                    ("attempt", f.Attempt), ("errorCode", f.Reason.Code));
                break;
            case PkcsImportAttemptFailed f:
                WriteEvent(ConnectorEvents.PkcsImportUploadFailure, $"Uploading the result failed (attempt {f.Attempt}); retrying at {f.NextAttemptAt:O}. {f.Reason.Code}: {f.Reason.Message}",
                    ("attempt", f.Attempt), ("errorCode", f.Reason.Code));
                break;
            case PkcsImportFailed f:
                WriteEvent(ConnectorEvents.PkcsImportReencryptFailure, $"Re-encrypting failed for good. {f.Reason.Code}: {f.Reason.Message}", ("errorCode", f.Reason.Code));
                break;
            case PkcsImportResultUploaded u:
                WriteEvent(ConnectorEvents.PkcsImportUploadedRequest, $"Result of import {u.RequestId} uploaded ({(u.Succeeded ? "success" : "failure")}).");
                WriteEvent(ConnectorEvents.PkcsImportUploadSuccess, "Import results were uploaded.", ("count", 1));
                if (u.Succeeded)
                    WriteEvent(ConnectorEvents.PkcsImportRequestSuccess, $"Import {u.RequestId} processed: the PFX password of {_state.Request?.UserPrincipalName} was delivered to the device.",
                        ("userPrincipalName", _state.Request?.UserPrincipalName));
                else
                    WriteEvent(ConnectorEvents.PkcsImportRequestFailure, $"Import {u.RequestId} failed. {_state.Failure?.Reason.Code}: {_state.Failure?.Reason.Message}",
                        ("userPrincipalName", _state.Request?.UserPrincipalName), ("errorCode", _state.Failure?.Reason.Code));
                break;
        }
    }

    private void WriteEvent(EventDefinition definition, string message, params (string, object?)[] properties) =>
        WriteEvent(_ports.Log, _state.RequestId, ClientRequestId, definition, message, properties);

    private sealed record ReencryptSucceeded(byte[] EncryptedPassword);
    private sealed record UploadSucceeded { public static readonly UploadSucceeded Instance = new(); }
}
