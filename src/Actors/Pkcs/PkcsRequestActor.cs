using Akka.Actor;
using Akka.Cluster.Sharding;
using Akka.Persistence;
using CertConnector.Actors.Common;
using CertConnector.Actors.Logging;
using CertConnector.Actors.Ports;

namespace CertConnector.Actors.Pkcs;

/// <summary>The ports one PKCS request needs, resolved once per node.</summary>
/// <param name="Cas">the configured CAs: each request is issued by the one it names.</param>
public sealed record PkcsPorts(
    IPkcsCredentialFactory Credentials,
    CertificateAuthorities Cas,
    IPkcsService Service,
    IConnectorEventLog Log,
    PkcsOptions Options)
{
    /// <summary>A node with one CA, the built-in one.</summary>
    public PkcsPorts(IPkcsCredentialFactory credentials, ICertificateAuthority ca, IPkcsService service, IConnectorEventLog log, PkcsOptions options)
        : this(credentials, CertificateAuthorities.Single(ca), service, log, options) { }

    /// <summary>Shared by every request on this node: the issue step's CPU-bound work runs here, at most
    /// <see cref="PkcsOptions.MaxConcurrentKeyGenerations"/> at once, off the thread pool.</summary>
    public CpuWorkScheduler CpuWork { get; } = new(Math.Max(1, Options.MaxConcurrentKeyGenerations), "pkcs-cpu");
}

/// <summary>
/// One PKCS request, persistent and sharded by request ID. The actor only persists, applies and runs
/// the step the state asks for (<see cref="PkcsRequestState.NextStep"/>); every decision is in the state.
/// Every transition is persisted before it is acted on, so a restart resumes exactly where it stood.
/// </summary>
public sealed class PkcsRequestActor : RequestActor<PkcsStage>
{
    private readonly PkcsPorts _ports;
    private PkcsRequestState _state;

    /// <summary>The journal's name for a request (the admin API checks it before waking an entity for an ID nobody may know).</summary>
    public static string PersistenceIdOf(string requestId) => $"pkcs-{requestId}";

    public PkcsRequestActor(string requestId, PkcsPorts ports) : base(PersistenceIdOf(requestId))
    {
        _ports = ports;
        _state = PkcsRequestState.Empty(requestId);

        // A request naming no CA is pinned to the default now, so the journal names the CA it goes to.
        Command<StartPkcsRequest>(start => Accept(_state.DecideStart(start.Request with { Ca = start.Request.Ca ?? _ports.Cas.Default.Name }, Now)));
        Command<IssueSucceeded>(OnIssued);
        Command<KeyMadeForCa>(made => PersistThen(_state.DecideKeyMade(new PkcsKeyMade(_state.RequestId, made.KeyPkcs8, made.CsrDer, Now))));
        Command<UploadSucceeded>(_ => PersistThen(_state.DecideUploaded(Now)));
    }

    public static Props Props(string requestId, PkcsPorts ports) => Akka.Actor.Props.Create(() => new PkcsRequestActor(requestId, ports));

    protected override void ApplyEvent(IConnectorEvent e) => _state = _state.Apply(e);

    protected override RequestStep NextStep() => _state.NextStep();

    protected override RequestStep CurrentStep() => _state.StepAfterWait();

    protected override bool IsFinished => _state.IsTerminal;

    protected override RequestView View() => _state.ToRequestView();

    private void OnIssued(IssueSucceeded ok)
    {
        var c = ok.Certificate;
        PersistThen(_state.DecideIssued(new PkcsCertificateIssued(_state.RequestId, ok.Sealed.EncryptedPfx,
            ok.Sealed.EncryptedPassword, c.CertificateDer, c.SerialNumber, c.Thumbprint, c.NotAfter, Now)));
    }

    protected override void OnStepFailed(PkcsStage stage, FailureReason reason)
    {
        PersistFailure(_state.DecideFailure(stage, reason, _ports.Options.RetryPolicy, Now, Random.Shared.NextDouble()), () =>
            WriteEvent(ConnectorEvents.PkcsUploadFailure, $"Uploading the result failed and will not be retried until the request is downloaded again. {reason.Code}: {reason.Message}"));
    }

    protected override void Start(RequestStep step)
    {
        if (step is PkcsNextStep.Upload upload) StartUpload(upload.Outcome);
        else if (step is PkcsNextStep.Issue) StartIssue();
    }

    protected override void OnFinished()
    {
        TellSubscribers(new PkcsRequestCompleted(_state.RequestId, _state.Status == PkcsStatus.Uploaded));
        Passivate();
    }

    private void StartIssue()
    {
        var request = _state.Request!;
        var keyMade = _state.KeyMade;
        var ports = _ports;
        var now = Now;
        // No overall time-out: waiting for a key-generation slot in a burst is not the CA being slow.
        RunStep(PkcsStage.Issue, Timeout.InfiniteTimeSpan, async _ =>
        {
            var ca = ports.Cas.Get(request.Ca); // an unknown name is a final failure, uploaded as the request's result; before any key is made
            ports.Credentials.ValidateDeviceCertificate(request.DeviceCertificate, now);
            if (keyMade is not null)
                return await ports.CpuWork.Run(() => IssueAsync(ports, ca, request, () => ports.Credentials.Restore(keyMade.KeyPkcs8, keyMade.CsrDer))).ConfigureAwait(false);

            // A CA that demands a challenge in the CSR (an upstream SCEP CA) gives one first: the new key signs it. Fetched outside the
            // CPU slot, since it may wait on a program or the network.
            string? challenge = null;
            if (ca.CsrChallenges is { } challenges)
            {
                using var challengeTimeout = new CancellationTokenSource(ports.Options.CaTimeout);
                challenge = await challenges.NextAsync(challengeTimeout.Token).ConfigureAwait(false);
            }
            Func<PendingCredential> create = () => ports.Credentials.CreateKeyAndCsr(request.KeySpec, request.SubjectName, request.SubjectAlternativeNames, challenge);
            if (ca.IsBuiltIn) return await ports.CpuWork.Run(() => IssueAsync(ports, ca, request, create)).ConfigureAwait(false);
            // A CA outside this process may issue and lose its answer: the key and CSR are journaled before it sees them, so every
            // attempt sends the same CSR and can finish the CA's transaction for it.
            return await ports.CpuWork.Run(() =>
            {
                using var pending = create();
                return Task.FromResult<object>(new KeyMadeForCa(ports.Credentials.ExportKey(pending), pending.CsrDer));
            }).ConfigureAwait(false);
        });
    }

    private static async Task<object> IssueAsync(PkcsPorts ports, NamedCa ca, PkcsRequest request, Func<PendingCredential> credential)
    {
        using var pending = credential();
        using var timeout = new CancellationTokenSource(ports.Options.CaTimeout);
        var certificate = await ca.Authority.IssueAsync(new IssuanceRequest(request.RequestId, "pkcs", pending.CsrDer,
            request.TemplateName, request.SubjectName, request.SubjectAlternativeNames, request.OnPremisesSid,
            request.ValidityDays), timeout.Token).ConfigureAwait(false);
        return new IssueSucceeded(certificate, ports.Credentials.Seal(pending, certificate, request.DeviceCertificate));
    }

    private void StartUpload(PkcsResult result)
    {
        var ports = _ports;
        RunStep(PkcsStage.Upload, ports.Options.UploadTimeout, async timeout =>
        {
            await ports.Service.UploadPkcsResultsAsync([result], timeout).ConfigureAwait(false);
            return (object)UploadSucceeded.Instance;
        });
    }

    protected override void Report(IConnectorEvent e)
    {
        switch (e)
        {
            case PkcsRequestDownloaded d:
                WriteEvent(ConnectorEvents.PkcsDownloadedRequest, $"PKCS request {d.RequestId} downloaded: subject '{d.Request.SubjectName}', template '{d.Request.TemplateName}', key {d.Request.KeySpec}, CA '{d.Request.Ca}'.",
                    ("ca", d.Request.Ca));
                if (_ports.Cas.Find(d.Request.Ca) is { IsBuiltIn: false } routed)
                    WriteEvent(ConnectorEvents.PkcsDigiCertRequest, $"PKCS request {d.RequestId} goes to the CA '{routed.Name}' (type {routed.Type}).",
                        ("ca", routed.Name), ("caType", routed.Type));
                break;
            case PkcsCertificateIssued i:
                WriteEvent(ConnectorEvents.PkcsIssuedSuccess, $"Certificate issued for PKCS request {i.RequestId}: serial {i.SerialNumber}, expires {i.NotAfter:O}.",
                    ("serialNumber", i.SerialNumber), ("thumbprint", i.Thumbprint));
                break;
            case PkcsAttemptFailed { Stage: PkcsStage.Issue } f:
                WriteEvent(ConnectorEvents.PkcsIssuedFailedAttempt, $"Issuing at the CA '{_state.Request?.Ca}' failed (attempt {f.Attempt}); retrying at {f.NextAttemptAt:O}. {f.Reason.Code}: {f.Reason.Message}",
                    ("attempt", f.Attempt), ("errorCode", f.Reason.Code), ("ca", _state.Request?.Ca));
                break;
            case PkcsAttemptFailed f:
                WriteEvent(ConnectorEvents.PkcsUploadFailure, $"Uploading the result failed (attempt {f.Attempt}); retrying at {f.NextAttemptAt:O}. {f.Reason.Code}: {f.Reason.Message}",
                    ("attempt", f.Attempt), ("errorCode", f.Reason.Code));
                break;
            case PkcsRequestFailed f:
                WriteEvent(ConnectorEvents.PkcsIssuedFailure, $"Issuing at the CA '{_state.Request?.Ca}' failed for good. {f.Reason.Code}: {f.Reason.Message}",
                    ("errorCode", f.Reason.Code), ("ca", _state.Request?.Ca));
                break;
            case PkcsResultUploaded u:
                WriteEvent(ConnectorEvents.PkcsUploadedRequest, $"Result of PKCS request {u.RequestId} uploaded ({(u.Succeeded ? "success" : "failure")}).");
                WriteEvent(ConnectorEvents.PkcsUploadSuccess, "PKCS results were uploaded.", ("count", 1));
                if (u.Succeeded)
                    WriteEvent(ConnectorEvents.PkcsRequestSuccess, $"PKCS request {u.RequestId} fulfilled: serial {_state.Issued?.SerialNumber}.",
                        ("serialNumber", _state.Issued?.SerialNumber), ("subject", _state.Request?.SubjectName));
                else
                    WriteEvent(ConnectorEvents.PkcsRequestFailure, $"PKCS request {u.RequestId} failed. {_state.Failure?.Code}: {_state.Failure?.Message}",
                        ("errorCode", _state.Failure?.Code), ("subject", _state.Request?.SubjectName));
                break;
        }
    }

    private void WriteEvent(EventDefinition definition, string message, params (string, object?)[] properties) =>
        WriteEvent(_ports.Log, _state.RequestId, ClientRequestId, definition, message, properties);

    private sealed record IssueSucceeded(IssuedCertificate Certificate, SealedCredential Sealed);

    /// <summary>The key and CSR for an outside CA, made; journaled (sealed) before the CA sees the CSR. Local to the actor.</summary>
    private sealed record KeyMadeForCa(byte[] KeyPkcs8, byte[] CsrDer);
    private sealed record UploadSucceeded { public static readonly UploadSucceeded Instance = new(); }
}
