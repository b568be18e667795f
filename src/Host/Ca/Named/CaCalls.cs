using System.Collections.Concurrent;
using CertConnector.Actors.Common;
using CertConnector.Actors.Ports;

namespace CertConnector.Host.Ca.Named;

/// <summary>How a CA's last call went: answered (issued, revoked, or refused with its own final error) or not (unreachable, timed out).</summary>
public sealed record CaLastCall(DateTimeOffset At, bool Answered, string? Error);

/// <summary>The last call to each configured CA on this instance, for <c>status</c> and <c>cluster show</c>.</summary>
public sealed class CaCalls(TimeProvider time)
{
    private readonly ConcurrentDictionary<string, CaLastCall> _last = new(StringComparer.OrdinalIgnoreCase);
    private readonly ConcurrentDictionary<string, CaHealth> _answered = new(StringComparer.OrdinalIgnoreCase);

    public CaLastCall? Last(string ca) => _last.GetValueOrDefault(ca);

    /// <summary>The last probe of <paramref name="ca"/> that got an answer: when its certificates (and the RA's) expire.</summary>
    public CaHealth? LastAnsweredProbe(string ca) => _answered.GetValueOrDefault(ca);

    /// <summary>Runs one call to <paramref name="ca"/> and records whether the CA answered. A final <see cref="ConnectorFailureException"/>
    /// is the CA's own answer (a denial, an unknown serial); anything else means it did not answer.</summary>
    public async Task<T> Observe<T>(string ca, Func<Task<T>> call)
    {
        try
        {
            var result = await call().ConfigureAwait(false);
            _last[ca] = new CaLastCall(time.GetUtcNow(), true, null);
            return result;
        }
        catch (Exception e)
        {
            var reason = FailureReason.From(e);
            _last[ca] = new CaLastCall(time.GetUtcNow(), !reason.Retryable && e is ConnectorFailureException, $"{reason.Code}: {reason.Message}");
            throw;
        }
    }

    /// <summary>Asks <paramref name="ca"/>'s probe (at most <paramref name="timeout"/>) and records whether the CA answered.</summary>
    public async Task ProbeAsync(NamedCa ca, TimeSpan timeout, CancellationToken cancellationToken)
    {
        CaHealth health;
        try
        {
            using var bounded = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken);
            bounded.CancelAfter(timeout);
            health = await ca.Probe.ProbeAsync(bounded.Token).WaitAsync(bounded.Token).ConfigureAwait(false);
        }
        catch (OperationCanceledException) when (!cancellationToken.IsCancellationRequested)
        {
            health = new CaHealth(false, null, null, $"no answer within {timeout.TotalSeconds:0.#} s");
        }
        catch (Exception e) when (e is not OperationCanceledException)
        {
            health = new CaHealth(false, null, null, e.Message); // a probe should not throw; one that does did not get an answer
        }
        _last[ca.Name] = new CaLastCall(time.GetUtcNow(), health.Reachable, health.Reachable ? null : health.Error ?? "unreachable");
        if (health.Reachable) _answered[ca.Name] = health;
    }

    /// <summary>The ports of <paramref name="ca"/>, each call recorded.</summary>
    public CaBackend Observed(string ca, CaBackend backend) => new(
        new ObservedAuthority(this, ca, backend.Authority),
        backend.Revoker is null ? null : new ObservedRevoker(this, ca, backend.Revoker),
        backend.Probe,
        backend.CsrChallenges);

    private sealed class ObservedAuthority(CaCalls calls, string ca, ICertificateAuthority inner) : ICertificateAuthority
    {
        public IReadOnlyList<byte[]> CaChainDer => inner.CaChainDer;
        public IReadOnlyCollection<string> TemplateNames => inner.TemplateNames;

        public Task<IssuedCertificate> IssueAsync(IssuanceRequest request, CancellationToken cancellationToken) =>
            calls.Observe(ca, () => inner.IssueAsync(request, cancellationToken));
    }

    private sealed class ObservedRevoker(CaCalls calls, string ca, ICertificateRevoker inner) : ICertificateRevoker
    {
        public Task<RevocationResult> RevokeAsync(string serialNumber, RevocationReason reason, CancellationToken cancellationToken) =>
            calls.Observe(ca, () => inner.RevokeAsync(serialNumber, reason, cancellationToken));
    }
}
