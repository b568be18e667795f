using Akka.Actor;
using CertConnector.Actors.Common;
using CertConnector.Actors.Logging;
using CertConnector.Actors.Ports;

namespace CertConnector.Actors.PfxImport;

/// <summary>The ports one import needs, resolved once per node.</summary>
public sealed record PfxImportPorts(IConnectorKeyCipher Cipher, IPfxImportService Service, IConnectorEventLog Log, PfxImportOptions Options);

/// <summary>
/// One PKCS import, persistent and sharded by request ID. The password is decrypted, checked and enveloped to the device
/// in one step off the actor thread; only the envelope comes back and is journaled before the upload.
/// </summary>
public sealed class PfxImportRequestActor : RequestActor<PfxImportStage>
{
    private readonly PfxImportPorts _ports;
    private PfxImportRequestState _state;

    /// <summary>The journal's name for this feature's request (see <see cref="Pkcs.PkcsRequestActor.PersistenceIdOf"/>).</summary>
    public static string PersistenceIdOf(string requestId) => $"pfximport-{requestId}";

    public PfxImportRequestActor(string requestId, PfxImportPorts ports) : base(PersistenceIdOf(requestId))
    {
        _ports = ports;
        _state = PfxImportRequestState.Empty(requestId);

        Command<StartPfxImportRequest>(start => Accept(_state.DecideStart(start.Request, Now)));
        Command<GetPfxImportRequest>(_ =>
        {
            Sender.Tell(_state.ToView());
            if (_state.Status == PfxImportStatus.New && Idle) Passivate(); // never keep (or remember) an unknown ID
        });
        Command<ReencryptSucceeded>(ok => PersistThen(_state.DecideReencrypted(ok.EncryptedPassword, Now)));
        Command<UploadSucceeded>(_ => PersistThen(_state.DecideUploaded(Now)));
    }

    public static Props Props(string requestId, PfxImportPorts ports) => Akka.Actor.Props.Create(() => new PfxImportRequestActor(requestId, ports));

    protected override void ApplyEvent(IConnectorEvent e) => _state = _state.Apply(e);

    protected override RequestStep NextStep() => _state.NextStep();

    protected override RequestView View() => _state.ToRequestView();

    protected override RequestStep CurrentStep() => _state.StepAfterWait();

    protected override bool IsFinished => _state.IsTerminal;

    protected override void OnStepFailed(PfxImportStage stage, FailureReason reason) =>
        PersistFailure(_state.DecideFailure(stage, reason, _ports.Options.RetryPolicy, Now, Random.Shared.NextDouble()), () =>
            WriteEvent(ConnectorEvents.PkcsImportUploadFailure, $"Uploading the result failed and will not be retried until the request is downloaded again. {reason.Code}: {reason.Message}"));

    protected override void Start(RequestStep step)
    {
        var ports = _ports;
        switch (step)
        {
            case PfxImportNextStep.Reencrypt:
                var request = _state.Request!;
                var now = Now;
                RunStep(PfxImportStage.Reencrypt, ports.Options.CaTimeout, _ =>
                    Task.FromResult<object>(new ReencryptSucceeded(ports.Cipher.ReencryptPfxPassword(request, now))));
                break;
            case PfxImportNextStep.Upload upload:
                RunStep(PfxImportStage.Upload, ports.Options.UploadTimeout, async timeout =>
                {
                    await ports.Service.UploadPfxImportResultsAsync([upload.Outcome], timeout).ConfigureAwait(false);
                    return UploadSucceeded.Instance;
                });
                break;
        }
    }

    protected override void OnFinished()
    {
        TellSubscribers(new PfxImportRequestCompleted(_state.RequestId, _state.Status == PfxImportStatus.Uploaded));
        Passivate();
    }

    protected override void Report(IConnectorEvent e)
    {
        switch (e)
        {
            case PfxImportRequestDownloaded d:
                WriteEvent(ConnectorEvents.PkcsImportDownloadedRequest, $"Import {d.RequestId} downloaded: user {d.Request.UserPrincipalName}, padding {d.Request.PaddingScheme}.",
                    ("userPrincipalName", d.Request.UserPrincipalName), ("paddingScheme", d.Request.PaddingScheme), ("thumbprint", d.Request.Thumbprint));
                break;
            case PfxPasswordReencrypted:
                WriteEvent(ConnectorEvents.PkcsImportReencryptSuccess, $"The PFX password of import {_state.RequestId} opens the PFX and was enveloped to the device certificate.");
                break;
            case PfxImportAttemptFailed { Stage: PfxImportStage.Reencrypt } f:
                WriteEvent(ConnectorEvents.PkcsImportReencryptFailedAttempt, $"Re-encrypting failed (attempt {f.Attempt}); retrying at {f.NextAttemptAt:O}. {f.Reason.Code}: {f.Reason.Message}",
                    ("attempt", f.Attempt), ("errorCode", f.Reason.Code));
                break;
            case PfxImportAttemptFailed f:
                WriteEvent(ConnectorEvents.PkcsImportUploadFailure, $"Uploading the result failed (attempt {f.Attempt}); retrying at {f.NextAttemptAt:O}. {f.Reason.Code}: {f.Reason.Message}",
                    ("attempt", f.Attempt), ("errorCode", f.Reason.Code));
                break;
            case PfxImportFailed f:
                WriteEvent(ConnectorEvents.PkcsImportReencryptFailure, $"Re-encrypting failed for good. {f.Reason.Code}: {f.Reason.Message}", ("errorCode", f.Reason.Code));
                break;
            case PfxImportResultUploaded u:
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
        _ports.Log.Write(definition, _state.RequestId, message, properties);

    private sealed record ReencryptSucceeded(byte[] EncryptedPassword);
    private sealed record UploadSucceeded { public static readonly UploadSucceeded Instance = new(); }
}
