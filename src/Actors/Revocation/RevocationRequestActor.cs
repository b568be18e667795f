using Akka.Actor;
using CertConnector.Actors.Common;
using CertConnector.Actors.Logging;
using CertConnector.Actors.Ports;

namespace CertConnector.Actors.Revocation;

/// <summary>The ports one revocation needs, resolved once per node.</summary>
/// <param name="Cas">the configured CAs: a revocation goes to the one it names, else to the one that issued the serial.</param>
/// <param name="Issuers">which CA issued a serial; null: a revocation naming no CA goes to the default CA.</param>
public sealed record RevocationPorts(CertificateAuthorities Cas, IIssuingCaLookup? Issuers, IRevocationService Service, IConnectorEventLog Log, RevocationOptions Options);

/// <summary>
/// One revocation, persistent and sharded by request ID. The actor only persists, applies and runs the step the
/// state asks for. Revoked is journaled before the upload, so a restart after it uploads and never revokes again.
/// </summary>
public sealed class RevocationRequestActor : RequestActor<RevocationStage>
{
    private readonly RevocationPorts _ports;
    private RevocationRequestState _state;

    /// <summary>The journal's name for a revocation (see <see cref="Pkcs.PkcsRequestActor.PersistenceIdOf"/>).</summary>
    public static string PersistenceIdOf(string requestId) => $"revocation-{requestId}";

    public RevocationRequestActor(string requestId, RevocationPorts ports) : base(PersistenceIdOf(requestId))
    {
        _ports = ports;
        _state = RevocationRequestState.Empty(requestId);

        Command<StartRevocationRequest>(start => Accept(_state.DecideStart(start.Request, Now)));
        Command<RevokeSucceeded>(ok => PersistThen(_state.DecideRevoked(ok.Outcome, Now, ok.Ca)));
        Command<UploadSucceeded>(_ => PersistThen(_state.DecideUploaded(Now)));
    }

    public static Props Props(string requestId, RevocationPorts ports) => Akka.Actor.Props.Create(() => new RevocationRequestActor(requestId, ports));

    protected override void ApplyEvent(IConnectorEvent e) => _state = _state.Apply(e);

    protected override RequestStep NextStep() => _state.NextStep();

    protected override RequestStep CurrentStep() => _state.StepAfterWait();

    protected override bool IsFinished => _state.IsTerminal;

    protected override RequestView View() => _state.ToRequestView();

    protected override void OnStepFailed(RevocationStage stage, FailureReason reason)
    {
        PersistFailure(_state.DecideFailure(stage, reason, _ports.Options.RetryPolicy, Now, Random.Shared.NextDouble()), () =>
            WriteEvent(ConnectorEvents.RevokeUploadFailure, $"Uploading the result failed and will not be retried until the request is downloaded again. {reason.Code}: {reason.Message}"));
    }

    protected override void Start(RequestStep step)
    {
        var ports = _ports;
        switch (step)
        {
            case RevocationNextStep.Revoke:
                var request = _state.Request!;
                var requestId = _state.RequestId;
                RunStep(RevocationStage.Revoke, ports.Options.CaTimeout, async timeout =>
                {
                    var name = request.Ca ?? (ports.Issuers is { } issuers ? await issuers.IssuingCaOfAsync(request.SerialNumber, timeout).ConfigureAwait(false) : null);
                    var ca = ports.Cas.Get(name); // an unknown name, or a CA that cannot revoke, is a final failure
                    var revoker = ports.Cas.RevokerOf(ca.Name);
                    if (!ca.IsBuiltIn)
                        ports.Log.Write(ConnectorEvents.RevokeDigicertRequest, requestId, $"Revocation {requestId} of serial {request.SerialNumber} goes to the CA '{ca.Name}' (type {ca.Type}).",
                            ("ca", ca.Name), ("caType", ca.Type), ("serialNumber", request.SerialNumber));
                    try
                    {
                        return new RevokeSucceeded(await revoker.RevokeAsync(request.SerialNumber, request.Reason, timeout).ConfigureAwait(false), ca.Name);
                    }
                    catch (ConnectorFailureException e)
                    {
                        // The CA's own code and text, and which CA said it.
                        throw new ConnectorFailureException(e.Code, $"CA '{ca.Name}': {e.Message}", e.Retryable, e);
                    }
                });
                break;
            case RevocationNextStep.Upload upload:
                RunStep(RevocationStage.Upload, ports.Options.UploadTimeout, async timeout =>
                {
                    await ports.Service.UploadRevocationResultsAsync([upload.Outcome], timeout).ConfigureAwait(false);
                    return UploadSucceeded.Instance;
                });
                break;
        }
    }

    protected override void OnFinished()
    {
        TellSubscribers(new RevocationRequestCompleted(_state.RequestId, _state.Status == RevocationStatus.Uploaded));
        Passivate();
    }

    protected override void Report(IConnectorEvent e)
    {
        switch (e)
        {
            case RevocationRequestDownloaded d:
                WriteEvent(ConnectorEvents.RevokeDownloadedRequest, $"Revocation {d.RequestId} downloaded: serial {d.Request.SerialNumber}, reason {d.Request.Reason}.",
                    ("serialNumber", d.Request.SerialNumber), ("reason", d.Request.Reason.ToString()));
                break;
            case CertificateRevoked r:
                WriteEvent(ConnectorEvents.RevokeSuccess, r.AlreadyRevoked
                        ? $"Certificate {_state.Request?.SerialNumber} was already revoked (reported as {RevocationRequestState.AlreadyRevokedCode})."
                        : $"Certificate {_state.Request?.SerialNumber} revoked ({_state.Request?.Reason}) by the CA '{r.Ca}'.",
                    ("serialNumber", _state.Request?.SerialNumber), ("alreadyRevoked", r.AlreadyRevoked), ("ca", r.Ca));
                break;
            case RevocationAttemptFailed { Stage: RevocationStage.Revoke } f:
                WriteEvent(ConnectorEvents.RevokeFailedAttempt, $"Revoking failed (attempt {f.Attempt}); retrying at {f.NextAttemptAt:O}. {f.Reason.Code}: {f.Reason.Message}",
                    ("attempt", f.Attempt), ("errorCode", f.Reason.Code));
                break;
            case RevocationAttemptFailed f:
                WriteEvent(ConnectorEvents.RevokeUploadFailure, $"Uploading the result failed (attempt {f.Attempt}); retrying at {f.NextAttemptAt:O}. {f.Reason.Code}: {f.Reason.Message}",
                    ("attempt", f.Attempt), ("errorCode", f.Reason.Code));
                break;
            case RevocationFailed f:
                WriteEvent(ConnectorEvents.RevokeFailure, $"Revoking failed for good ({f.ErrorCode}). {f.Reason.Code}: {f.Reason.Message}", ("errorCode", f.ErrorCode));
                break;
            case RevocationResultUploaded u:
                WriteEvent(ConnectorEvents.RevokeUploadedRequest, $"Result of revocation {u.RequestId} uploaded ({(u.Succeeded ? "success" : "failure")}).");
                WriteEvent(ConnectorEvents.RevokeUploadSuccess, "Revocation results were uploaded.", ("count", 1));
                if (u.Succeeded)
                    WriteEvent(ConnectorEvents.RevokeRequestSuccess, $"Revocation {u.RequestId} processed: certificate {_state.Request?.SerialNumber} is revoked.",
                        ("serialNumber", _state.Request?.SerialNumber), ("errorCode", _state.Revoked?.AlreadyRevoked == true ? RevocationRequestState.AlreadyRevokedCode : null));
                else
                    WriteEvent(ConnectorEvents.RevokeRequestFailure, $"Revocation {u.RequestId} failed ({_state.Failure?.ErrorCode}). {_state.Failure?.Reason.Code}: {_state.Failure?.Reason.Message}",
                        ("serialNumber", _state.Request?.SerialNumber), ("errorCode", _state.Failure?.ErrorCode));
                break;
        }
    }

    private void WriteEvent(EventDefinition definition, string message, params (string, object?)[] properties) =>
        WriteEvent(_ports.Log, _state.RequestId, ClientRequestId, definition, message, properties);

    private sealed record RevokeSucceeded(RevocationResult Outcome, string Ca);
    private sealed record UploadSucceeded { public static readonly UploadSucceeded Instance = new(); }
}
