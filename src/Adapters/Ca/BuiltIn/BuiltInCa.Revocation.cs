using CertConnector.Actors.Common;
using CertConnector.Actors.Ports;
using CertConnector.Adapters.Crypto;
using CertConnector.Adapters.Revocation;

namespace CertConnector.Adapters.Ca.BuiltIn;

/// <summary>Where the CA publishes revocation: the base URL is asked for at each issuance, so it may become known late (port 0).</summary>
public sealed record CaPublication(Func<string?> PublicBaseUrl, TimeSpan CrlValidity)
{
    public static CaPublication None { get; } = new(() => null, TimeSpan.FromHours(24));
}

/// <summary>Revocation at the built-in CA: the revoker port, superseded certificates, the CRL, and the OCSP status source.</summary>
public sealed partial class BuiltInCa : ICertificateRevoker, ICertificateStatusSource
{
    private readonly CrlNumbers _crlNumbers;
    private readonly object _crlLock = new();
    private CrlDocument? _crl;
    private long _crlGeneration;
    private long _statusVersion;

    /// <summary>URLs put into issued certificates and the CRL's validity. Set by the host at start; without it, no CDP/AIA.</summary>
    public CaPublication Publication { get; set; } = CaPublication.None;

    /// <summary>A file-safe name of this CA for its CRL path, <c>/crl/&lt;name&gt;.crl</c>: its CN in lower case, other characters as '-'.</summary>
    public string CrlFileName { get; }

    /// <summary>
    /// Changes with every revocation. Alone, this process's own count; sharing a database (a cluster), the store's
    /// revocation generation, so OCSP answers cached here are dropped when another instance revokes.
    /// </summary>
    public long StatusVersion => _options.Database is null ? Interlocked.Read(ref _statusVersion) : Store.RevocationGeneration();

    public Task<RevocationResult> RevokeAsync(string serialNumber, RevocationReason reason, CancellationToken cancellationToken)
    {
        cancellationToken.ThrowIfCancellationRequested();
        var serial = CertificateIds.NormalizeSerial(serialNumber)
            ?? throw ConnectorFailureException.Final(ICertificateRevoker.NotFoundCode, $"'{serialNumber}' is not a certificate serial number (hex).");
        switch (Store.Revoke(serial, RevocationReasons.Name(reason), _time.GetUtcNow()))
        {
            case RevocationOutcome.NotFound:
                throw ConnectorFailureException.Final(ICertificateRevoker.NotFoundCode, $"The built-in CA never issued a certificate with serial {serial}.");
            case RevocationOutcome.AlreadyRevoked:
                return Task.FromResult(RevocationResult.AlreadyRevoked);
            default:
                StatusesChanged();
                return Task.FromResult(RevocationResult.Revoked);
        }
    }

    /// <summary>
    /// Revokes (reason superseded) every certificate the store records as replaced by a later one for the same
    /// request and that has not expired: its key died with a crashed process, so nothing may keep trusting it.
    /// </summary>
    /// <returns>How many were revoked.</returns>
    public int RevokeSuperseded()
    {
        var now = _time.GetUtcNow();
        var revoked = Store.ListSuperseded().Where(r => r.NotAfter > now)
            .Count(r => Store.Revoke(r.SerialNumber, RevocationReasons.Name(RevocationReason.Superseded), now) == RevocationOutcome.Revoked);
        if (revoked > 0) StatusesChanged();
        return revoked;
    }

    /// <summary>The current CRL; re-issued first when it is past half its life (so a caller never gets an expired one).</summary>
    public CrlDocument CurrentCrl()
    {
        var crl = Volatile.Read(ref _crl);
        var current = crl is not null && _time.GetUtcNow() < crl.RefreshAt && (_options.Database is null || Interlocked.Read(ref _crlGeneration) == StatusVersion);
        return current ? crl! : IssueCrl(crl);
    }

    /// <summary>A new CRL with the next number, from the store as it is now.</summary>
    public CrlDocument IssueCrl() => IssueCrl(null);

    private CrlDocument IssueCrl(CrlDocument? seen)
    {
        lock (_crlLock)
        {
            // Another caller may have re-issued while this one waited for the lock.
            if (seen is not null && !ReferenceEquals(_crl, seen) && _crl is { } fresh && _time.GetUtcNow() < fresh.RefreshAt
                && (_options.Database is null || Interlocked.Read(ref _crlGeneration) == StatusVersion)) return fresh;
            var generation = _options.Database is null ? 0 : StatusVersion; // read before the list, so a revocation in between re-issues again
            var now = _time.GetUtcNow();
            var thisUpdate = new DateTimeOffset(now.Ticks - now.Ticks % TimeSpan.TicksPerSecond, TimeSpan.Zero);
            var revoked = Store.ListRevoked().Select(r => new RevokedEntry(r.SerialNumber, r.RevokedAt ?? thisUpdate, RevocationReasons.FromStored(r.RevocationReason)));
            var crl = CrlBuilder.Build(CaCertificate, CaPrivateKey, _crlNumbers.Next(), thisUpdate, thisUpdate + Publication.CrlValidity, revoked);
            Volatile.Write(ref _crl, crl);
            Interlocked.Exchange(ref _crlGeneration, generation);
            return crl;
        }
    }

    public CertificateStatusRecord? Find(string serialHex) => Store.FindBySerial(serialHex) is { } record
        ? new CertificateStatusRecord(record.Status == IssuedCertificateRecord.Revoked, record.RevokedAt, RevocationReasons.FromStored(record.RevocationReason))
        : null;

    /// <summary>A revocation: OCSP caches are dropped (version) and the CRL is re-issued at once.</summary>
    private void StatusesChanged()
    {
        Interlocked.Increment(ref _statusVersion);
        IssueCrl();
    }

    private PublicationUrls PublicationUrls()
    {
        var baseUrl = Publication.PublicBaseUrl()?.TrimEnd('/');
        return new PublicationUrls(
            _options.CrlUrl ?? (baseUrl is null ? null : $"{baseUrl}/crl/{CrlFileName}.crl"),
            _options.OcspUrl ?? (baseUrl is null ? null : $"{baseUrl}/ocsp"),
            _options.CaIssuersUrl);
    }

    private static string CrlFileNameOf(Org.BouncyCastle.X509.X509Certificate ca)
    {
        var cn = ca.SubjectDN.GetValueList(Org.BouncyCastle.Asn1.X509.X509Name.CN).LastOrDefault() ?? "ca";
        var chars = cn.ToLowerInvariant().Select(c => char.IsAsciiLetterOrDigit(c) ? c : '-').ToArray();
        var name = string.Join('-', new string(chars).Split('-', StringSplitOptions.RemoveEmptyEntries));
        return name.Length == 0 ? "ca" : name;
    }
}
