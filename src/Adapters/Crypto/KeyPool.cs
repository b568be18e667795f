using System.Collections.Concurrent;
using CertConnector.Actors.Common;
using Org.BouncyCastle.Crypto;

namespace CertConnector.Adapters.Crypto;

/// <summary>How full the pool is for one key spec (what <c>status</c> shows).</summary>
public sealed record KeyPoolFill(string KeySpec, int Available, int Capacity);

/// <summary>
/// Key pairs generated ahead, so a PKCS request takes one at once instead of waiting for a prime search (an RSA-2048
/// key costs tens of milliseconds of one core). Held in memory only: never journaled, never written anywhere, and a
/// restart starts empty. One background thread refills whatever was taken, one key at a time, so it uses at most one
/// core and yields to nothing else; a request that finds its spec empty generates its own key as before.
/// </summary>
public sealed class KeyPool : IDisposable
{
    private readonly Dictionary<KeySpec, ConcurrentQueue<AsymmetricCipherKeyPair>> _keys;
    private readonly int _capacity;
    private readonly SemaphoreSlim _taken = new(0);
    private readonly CancellationTokenSource _stop = new();
    private readonly Func<KeySpec, AsymmetricCipherKeyPair> _generate;
    private readonly Task _filler;

    public KeyPool(IEnumerable<KeySpec> specs, int capacity, Func<KeySpec, AsymmetricCipherKeyPair>? generate = null)
    {
        ArgumentOutOfRangeException.ThrowIfLessThan(capacity, 1);
        _capacity = capacity;
        _generate = generate ?? KeyGeneration.Generate;
        _keys = specs.Distinct().ToDictionary(spec => spec, _ => new ConcurrentQueue<AsymmetricCipherKeyPair>());
        _filler = Task.Factory.StartNew(FillAsync, TaskCreationOptions.LongRunning).Unwrap();
    }

    /// <summary>A pooled key of <paramref name="spec"/>, or null when the pool holds none (then generate one).</summary>
    public AsymmetricCipherKeyPair? TryTake(KeySpec spec)
    {
        if (!_keys.TryGetValue(spec, out var queue) || !queue.TryDequeue(out var key)) return null;
        _taken.Release(); // wake the filler
        return key;
    }

    public IReadOnlyList<KeyPoolFill> Fill() => [.. _keys.Select(kv => new KeyPoolFill(kv.Key.ToString(), kv.Value.Count, _capacity))];

    private async Task FillAsync()
    {
        var token = _stop.Token;
        while (!token.IsCancellationRequested)
        {
            var low = _keys.Where(kv => kv.Value.Count < _capacity).OrderBy(kv => kv.Value.Count).Select(kv => kv.Key).FirstOrDefault();
            if (low is null)
            {
                try
                {
                    await _taken.WaitAsync(token).ConfigureAwait(false);
                }
                catch (OperationCanceledException)
                {
                    return;
                }
                continue;
            }
            try
            {
                _keys[low].Enqueue(_generate(low));
            }
            catch (Exception) when (!token.IsCancellationRequested)
            {
                // A failed generation leaves the spec short; requests then generate their own. Try again later.
                try { await Task.Delay(TimeSpan.FromSeconds(5), token).ConfigureAwait(false); } catch (OperationCanceledException) { return; }
            }
        }
    }

    public void Dispose()
    {
        _stop.Cancel();
        try { _filler.Wait(TimeSpan.FromSeconds(10)); } catch (AggregateException) { }
        foreach (var queue in _keys.Values) queue.Clear();
        _stop.Dispose();
    }
}
