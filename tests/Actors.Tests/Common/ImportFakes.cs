using System.Collections.Concurrent;
using CertConnector.Actors.Common;
using CertConnector.Actors.Ports;

namespace CertConnector.Actors.Tests.Common;

/// <summary>
/// A connector-key cipher that answers from scripts (an exception to throw, a gate to block on, or nothing to succeed): the password step returns
/// <c>"sealed:" + request ID</c>; opening returns the payload's bytes; sealing returns <c>"to-recipient:" + content</c>.
/// </summary>
internal sealed class ScriptedCipher(object[]? reencrypt = null, object[]? open = null, object[]? seal = null) : IConnectorKeyCipher
{
    private readonly ConcurrentQueue<object> _reencrypt = new(reencrypt ?? []);
    private readonly ConcurrentQueue<object> _open = new(open ?? []);
    private readonly ConcurrentQueue<object> _seal = new(seal ?? []);
    private int _reencryptCalls, _openCalls, _sealCalls;
    public int ReencryptCalls => _reencryptCalls;
    public int OpenCalls => _openCalls;
    public int SealCalls => _sealCalls;
    public List<SecretBytes> Opened { get; } = [];

    public static ConnectorFailureException KeyMissing() => ConnectorFailureException.Transient(IConnectorKeyCipher.KeyUnavailableCode, "no connector key here");
    public static ConnectorFailureException Final(string code) => ConnectorFailureException.Final(code, $"{code} for the test");

    public byte[] ReencryptPfxPassword(PkcsImportRequest request, DateTimeOffset now)
    {
        Interlocked.Increment(ref _reencryptCalls);
        if (_reencrypt.TryDequeue(out var next) && next is Exception e) throw e;
        if (next is ManualResetEventSlim gate) gate.Wait(); // CPU work that observes no token (a key derivation) until the test ends
        return System.Text.Encoding.ASCII.GetBytes("sealed:" + request.RequestId);
    }

    public SecretBytes OpenPayload(byte[] envelopedData)
    {
        Interlocked.Increment(ref _openCalls);
        if (_open.TryDequeue(out var next) && next is Exception e) throw e;
        var secret = new SecretBytes(envelopedData.ToArray());
        lock (Opened) Opened.Add(secret);
        return secret;
    }

    public byte[] SealPayload(SecretBytes content, byte[] recipientCertificate, DateTimeOffset now)
    {
        Interlocked.Increment(ref _sealCalls);
        if (_seal.TryDequeue(out var next) && next is Exception e) throw e;
        return [.. "to-recipient:"u8, .. content.Span];
    }
}

/// <summary>Records import uploads; the first <paramref name="hangFirst"/> never complete.</summary>
internal sealed class RecordingImportService(int hangFirst = 0) : IPkcsImportService
{
    private int _calls;
    public ConcurrentQueue<PkcsImportResult> Uploaded { get; } = new();

    public Task<IReadOnlyList<PkcsImportRequest>> DownloadPkcsImportRequestsAsync(int maxRequests, CancellationToken cancellationToken) =>
        Task.FromResult<IReadOnlyList<PkcsImportRequest>>([]);

    public Task UploadPkcsImportResultsAsync(IReadOnlyList<PkcsImportResult> results, CancellationToken cancellationToken)
    {
        if (Interlocked.Increment(ref _calls) <= hangFirst) return new TaskCompletionSource().Task;
        foreach (var r in results) Uploaded.Enqueue(r);
        return Task.CompletedTask;
    }
}

/// <summary>Records recrypt uploads; the first <paramref name="hangFirst"/> never complete.</summary>
internal sealed class RecordingRecryptService(int hangFirst = 0) : IRecryptService
{
    private int _calls;
    public ConcurrentQueue<RecryptResult> Uploaded { get; } = new();

    public Task<IReadOnlyList<RecryptRequest>> DownloadRecryptRequestsAsync(int maxRequests, CancellationToken cancellationToken) =>
        Task.FromResult<IReadOnlyList<RecryptRequest>>([]);

    public Task UploadRecryptResultsAsync(IReadOnlyList<RecryptResult> results, CancellationToken cancellationToken)
    {
        if (Interlocked.Increment(ref _calls) <= hangFirst) return new TaskCompletionSource().Task;
        foreach (var r in results) Uploaded.Enqueue(r);
        return Task.CompletedTask;
    }
}
