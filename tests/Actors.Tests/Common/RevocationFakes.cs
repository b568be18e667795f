using System.Collections.Concurrent;
using CertConnector.Actors.Common;
using CertConnector.Actors.Ports;

namespace CertConnector.Actors.Tests.Common;

/// <summary>A revoker that answers from a script (exceptions or results), then <see cref="RevocationResult.Revoked"/>.</summary>
internal sealed class ScriptedRevoker(params object[] script) : ICertificateRevoker
{
    private readonly ConcurrentQueue<object> _script = new(script);
    private int _calls;
    public int Calls => _calls;

    public static ConnectorFailureException Unreachable() => ConnectorFailureException.Transient("CaUnavailable", "the CA did not answer");
    public static ConnectorFailureException NotFound() => ConnectorFailureException.Final(ICertificateRevoker.NotFoundCode, "no such serial");

    public Task<RevocationResult> RevokeAsync(string serialNumber, RevocationReason reason, CancellationToken cancellationToken)
    {
        Interlocked.Increment(ref _calls);
        return _script.TryDequeue(out var next)
            ? next is Exception e ? Task.FromException<RevocationResult>(e) : Task.FromResult((RevocationResult)next)
            : Task.FromResult(RevocationResult.Revoked);
    }
}

/// <summary>Records uploads; the first <paramref name="hangFirst"/> uploads never complete (a stuck network call).</summary>
internal sealed class RecordingRevocationService(int hangFirst = 0) : IRevocationService
{
    private int _calls;
    public ConcurrentQueue<RevocationRequestResult> Uploaded { get; } = new();

    public Task<IReadOnlyList<RevocationRequest>> DownloadRevocationRequestsAsync(int maxRequests, CancellationToken cancellationToken) =>
        Task.FromResult<IReadOnlyList<RevocationRequest>>([]);

    public Task UploadRevocationResultsAsync(IReadOnlyList<RevocationRequestResult> results, CancellationToken cancellationToken)
    {
        if (Interlocked.Increment(ref _calls) <= hangFirst) return new TaskCompletionSource().Task;
        foreach (var r in results) Uploaded.Enqueue(r);
        return Task.CompletedTask;
    }
}
