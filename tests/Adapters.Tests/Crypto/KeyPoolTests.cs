using CertConnector.Actors.Common;
using CertConnector.Adapters.Crypto;
using Org.BouncyCastle.Crypto;
using Org.BouncyCastle.Crypto.Parameters;

namespace CertConnector.Adapters.Tests.Crypto;

public sealed class KeyPoolTests
{
    private static readonly KeySpec P256 = KeySpec.Parse("ec:p256");
    private static readonly KeySpec Rsa = KeySpec.Parse("rsa:2048");

    private static void WaitFull(KeyPool pool)
    {
        var deadline = DateTime.UtcNow.AddSeconds(60);
        while (pool.Fill().Any(f => f.Available < f.Capacity))
        {
            if (DateTime.UtcNow > deadline) Assert.Fail($"the pool did not fill: {string.Join(", ", pool.Fill())}");
            Thread.Sleep(20);
        }
    }

    [Fact]
    public void The_pool_fills_to_capacity_hands_out_distinct_keys_of_the_spec_and_refills_what_was_taken()
    {
        var generated = 0;
        using var pool = new KeyPool([P256], 4, spec => { Interlocked.Increment(ref generated); return KeyGeneration.Generate(spec); });
        WaitFull(pool);
        Assert.Equal([new KeyPoolFill("ec:p256", 4, 4)], pool.Fill());
        Assert.Equal(4, generated); // not more than it holds

        var taken = Enumerable.Range(0, 4).Select(_ => pool.TryTake(P256)).ToList();
        Assert.All(taken, key => Assert.IsType<ECPrivateKeyParameters>(key!.Private));
        Assert.Equal(4, taken.Select(k => ((ECPublicKeyParameters)k!.Public).Q.GetEncoded(true)).Select(Convert.ToHexString).Distinct().Count());

        WaitFull(pool); // refilled after the takes
        Assert.Equal(8, generated);
    }

    [Fact]
    public void An_empty_pool_or_a_spec_it_does_not_keep_gives_nothing_and_the_factory_generates_instead()
    {
        var gate = new ManualResetEventSlim(false);
        using var pool = new KeyPool([Rsa], 2, spec => { gate.Wait(); return KeyGeneration.Generate(spec); }); // never fills while the gate is shut
        Assert.Null(pool.TryTake(Rsa));
        Assert.Null(pool.TryTake(P256));

        var factory = new PkcsCredentialFactory(keyPool: pool);
        using var pending = factory.CreateKeyAndCsr(P256, "CN=from-generator", []);
        Assert.NotEmpty(pending.CsrDer);
        gate.Set();
    }

    [Fact]
    public void The_factory_takes_a_pooled_key_when_the_pool_has_one()
    {
        AsymmetricCipherKeyPair? handedOut = null;
        using var pool = new KeyPool([P256], 1, spec => handedOut ??= KeyGeneration.Generate(spec));
        WaitFull(pool);
        var factory = new PkcsCredentialFactory(keyPool: pool);
        using var pending = factory.CreateKeyAndCsr(P256, "CN=from-pool", []);

        var csr = new Org.BouncyCastle.Pkcs.Pkcs10CertificationRequest(pending.CsrDer);
        Assert.Equal(handedOut!.Public, csr.GetPublicKey());
    }

    [Fact]
    public void A_generator_that_fails_leaves_the_pool_short_and_does_not_kill_it()
    {
        var calls = 0;
        using var pool = new KeyPool([P256], 1, spec => Interlocked.Increment(ref calls) == 1 ? throw new InvalidOperationException("boom") : KeyGeneration.Generate(spec));
        Assert.Null(pool.TryTake(P256));
        WaitFull(pool); // it tries again (after a pause) and fills
        Assert.True(calls >= 2);
    }

    [Fact]
    public void The_filler_waits_until_demand_has_been_quiet_before_refilling()
    {
        var clock = new ManualTimeProvider();
        var generated = 0;
        using var pool = new KeyPool([P256], 2, spec => { Interlocked.Increment(ref generated); return KeyGeneration.Generate(spec); },
            idleBeforeFill: TimeSpan.FromSeconds(1), timeProvider: clock);
        WaitFull(pool); // nothing asked yet: it fills at once
        Assert.Equal(2, generated);

        Assert.NotNull(pool.TryTake(P256));
        Assert.Null(pool.TryTake(Rsa)); // a spec it does not keep changes nothing
        Thread.Sleep(300); // real time passes, the pool's clock does not: a burst is still on
        clock.Advance(TimeSpan.FromMilliseconds(900));
        Thread.Sleep(300);
        Assert.Equal(2, generated);
        Assert.Equal([new KeyPoolFill("ec:p256", 1, 2)], pool.Fill());

        clock.Advance(TimeSpan.FromMilliseconds(100)); // one second without demand: refill
        WaitFull(pool);
        Assert.Equal(3, generated);
    }

    [Fact]
    public void A_request_that_found_the_pool_empty_also_holds_the_filler_back()
    {
        var clock = new ManualTimeProvider();
        var generated = 0;
        var open = new ManualResetEventSlim(false);
        var inside = new ManualResetEventSlim(false);
        using var pool = new KeyPool([P256], 1, spec => { inside.Set(); open.Wait(); Interlocked.Increment(ref generated); return KeyGeneration.Generate(spec); },
            idleBeforeFill: TimeSpan.FromSeconds(1), timeProvider: clock);
        // The filler is inside its first generation (held by the gate); a request misses and generates its own key. Waited
        // for: a miss that came before the (lowest-priority, loaded) filler thread got there would hold it back until the
        // manual clock moves, and the pool would never fill.
        Assert.True(inside.Wait(TimeSpan.FromSeconds(60)), "the filler never started its first generation");
        Assert.Null(pool.TryTake(P256));
        open.Set();
        WaitFull(pool); // the generation already under way completes
        Assert.NotNull(pool.TryTake(P256));
        Thread.Sleep(300);
        Assert.Equal(1, generated); // the take (and the miss before it) are recent: no refill yet
        clock.Advance(TimeSpan.FromSeconds(1));
        WaitFull(pool);
        Assert.Equal(2, generated);
    }

    [Fact]
    public void The_filler_generates_on_its_own_lowest_priority_thread()
    {
        Thread? thread = null;
        using var pool = new KeyPool([P256], 1, spec => { thread = Thread.CurrentThread; return KeyGeneration.Generate(spec); });
        WaitFull(pool);
        Assert.NotNull(thread);
        Assert.False(thread!.IsThreadPoolThread);
        Assert.Equal("key-pool-filler", thread.Name);
        Assert.Equal(ThreadPriority.Lowest, thread.Priority);
    }
}
