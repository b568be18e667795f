using System.Collections.Concurrent;
using CertConnector.Actors.Common;
using CertConnector.Actors.Ports;

namespace CertConnector.Actors.Tests.Common;

internal static class Samples
{
    public static PkcsRequest Request(string id = "req-1") => new(id, "CN=Alice", [new SubjectAltName("upn", "alice@contoso.com")],
        "client-auth", KeySpec.Rsa2048, [0x30, 0x01, 0x02]);

    public static IssuedCertificate Certificate(string serial = "0A1B") =>
        new([0x30, 0x03], serial, "THUMB" + serial, DateTimeOffset.Parse("2030-01-01T00:00:00Z"), [[0x30, 0x04]]);
}

/// <summary>A CA whose answers the test scripts: each call takes the next outcome; past the script it succeeds.</summary>
internal sealed class ScriptedCa(params Func<Task<IssuedCertificate>>[] script) : ICertificateAuthority
{
    private int _calls;
    public int Calls => _calls;
    public System.Collections.Concurrent.ConcurrentQueue<IssuanceRequest> Requests { get; } = new();
    public IReadOnlyList<byte[]> CaChainDer => [[0x30, 0x04]];
    public IReadOnlyCollection<string> TemplateNames => ["client-auth"];

    public Task<IssuedCertificate> IssueAsync(IssuanceRequest request, CancellationToken cancellationToken)
    {
        Requests.Enqueue(request);
        var n = Interlocked.Increment(ref _calls);
        return n <= script.Length ? script[n - 1]() : Task.FromResult(Samples.Certificate($"{n:X4}"));
    }

    public static Func<Task<IssuedCertificate>> Transient(string message = "CA busy") =>
        () => Task.FromException<IssuedCertificate>(ConnectorFailureException.Transient("CaUnavailable", message));

    public static Func<Task<IssuedCertificate>> Final(string message = "Policy denied the request") =>
        () => Task.FromException<IssuedCertificate>(ConnectorFailureException.Final("CaDenied", message));

    public static Func<Task<IssuedCertificate>> Never() => () => new TaskCompletionSource<IssuedCertificate>().Task;
}

/// <summary>No real crypto: the actor tests are about the state machine.</summary>
internal sealed class FakeCredentials : IPkcsCredentialFactory
{
    public void ValidateDeviceCertificate(byte[] deviceCertificateDer, DateTimeOffset now) { }

    private int _made;

    public PendingCredential CreateKeyAndCsr(KeySpec keySpec, string subjectName, IReadOnlyList<SubjectAltName> sans, string? challengePassword = null)
    {
        Challenges.Add(challengePassword);
        // Each CSR its own bytes, so a test can tell whether a retry sent the same one.
        return new Pending([0x30, 0x01, (byte)Interlocked.Increment(ref _made)]);
    }

    public byte[] ExportKey(PendingCredential pending) => [.. "key:"u8, .. pending.CsrDer];

    public PendingCredential Restore(byte[] keyPkcs8, byte[] csrDer) => new Pending(csrDer);

    /// <summary>The challenge each CSR was made with (null: none).</summary>
    public System.Collections.Concurrent.ConcurrentBag<string?> Challenges { get; } = [];

    public SealedCredential Seal(PendingCredential pending, IssuedCertificate certificate, byte[] deviceCertificateDer) =>
        new([1, 2, 3], [4, 5, 6]);

    private sealed class Pending(byte[] csrDer) : PendingCredential
    {
        public override byte[] CsrDer => csrDer;
        public override void Dispose() { }
    }
}

/// <summary>Records uploads; the first <paramref name="hangFirst"/> calls never complete (a stuck network call).</summary>
internal sealed class RecordingService(int hangFirst = 0, int failFirst = 0, int finalFirst = 0) : IPkcsService
{
    private int _calls;
    public ConcurrentQueue<PkcsResult> Uploaded { get; } = new();
    public ConcurrentQueue<PkcsRequest> Queue { get; } = new();
    public int DownloadCalls;

    public Task<IReadOnlyList<PkcsRequest>> DownloadPkcsRequestsAsync(int maxRequests, CancellationToken cancellationToken)
    {
        Interlocked.Increment(ref DownloadCalls);
        var batch = new List<PkcsRequest>();
        while (batch.Count < maxRequests && Queue.TryDequeue(out var r)) batch.Add(r);
        return Task.FromResult<IReadOnlyList<PkcsRequest>>(batch);
    }

    public Task UploadPkcsResultsAsync(IReadOnlyList<PkcsResult> results, CancellationToken cancellationToken)
    {
        var n = Interlocked.Increment(ref _calls);
        if (n <= hangFirst) return new TaskCompletionSource().Task;
        if (n <= hangFirst + failFirst) return Task.FromException(ConnectorFailureException.Transient("ServiceUnavailable", "503 from the service"));
        if (n <= hangFirst + failFirst + finalFirst) return Task.FromException(ConnectorFailureException.Final("ResultRejected", "400 from the service"));
        foreach (var r in results) Uploaded.Enqueue(r);
        return Task.CompletedTask;
    }
}

/// <summary>A CA health probe that always says the CA answers.</summary>
internal sealed class UpProbe : ICaHealthProbe
{
    public Task<CaHealth> ProbeAsync(CancellationToken cancellationToken) => Task.FromResult(new CaHealth(true, null, null));
}
