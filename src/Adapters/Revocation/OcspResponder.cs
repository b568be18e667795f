using System.Collections.Concurrent;
using System.Security.Cryptography;
using CertConnector.Actors.Ports;
using CertConnector.Adapters.Crypto;
using Org.BouncyCastle.Asn1;
using Org.BouncyCastle.Asn1.Ocsp;
using Org.BouncyCastle.Asn1.X509;
using Org.BouncyCastle.Crypto;
using Org.BouncyCastle.Ocsp;
using Org.BouncyCastle.X509;

namespace CertConnector.Adapters.Revocation;

/// <summary>What the CA knows about one serial: null from <see cref="ICertificateStatusSource.Find"/> means it never issued it.</summary>
public sealed record CertificateStatusRecord(bool Revoked, DateTimeOffset? RevokedAt, RevocationReason Reason);

/// <summary>The CA side of OCSP: statuses by serial, and a version that changes on every revocation.</summary>
public interface ICertificateStatusSource
{
    /// <param name="serialHex">upper-case hex, as <see cref="CertificateIds.SerialHex"/> writes it.</param>
    CertificateStatusRecord? Find(string serialHex);

    /// <summary>Changes whenever a status may have changed; cached answers made under another version are dropped.</summary>
    long StatusVersion { get; }

    /// <summary>The delegated responder certificate and key; the source renews them before they expire.</summary>
    OcspSigningCredentials OcspCredentials();
}

public sealed record OcspSigningCredentials(X509Certificate Certificate, AsymmetricKeyParameter PrivateKey);

/// <summary>An encoded OCSPResponse; <see cref="Cacheable"/> when HTTP caches may keep it (signed, no nonce) until <see cref="NextUpdate"/>.</summary>
public sealed record OcspAnswer(byte[] Body, bool Successful, bool Cacheable, DateTimeOffset ThisUpdate, DateTimeOffset NextUpdate, string ETag);

/// <summary>
/// An RFC 6960 responder for one CA: good / revoked (time, reason) / unknown per requested CertID, signed by the
/// delegated OCSP signer, the nonce echoed. Anything that does not parse, is larger than <see cref="MaxRequestBytes"/> or
/// asks for more than <see cref="MaxCertIds"/> CertIDs is a malformedRequest response, never an exception. Signed answers
/// to requests without a nonce are cached, keyed by their CertIDs alone (so whatever else a request carries, padding
/// included, adds no entry), within a byte budget, until half their validity has passed or a revocation happens: repeated
/// questions (the common case, RFC 5019) cost a parse and a lookup. Statuses of issued serials are cached the same way
/// (until a revocation), so a nonce request costs one signature. Revocations are seen through
/// <see cref="ICertificateStatusSource.StatusVersion"/>, i.e. those made by this process. Thread-safe: share one instance.
/// </summary>
public sealed class OcspResponder
{
    /// <summary>A request with its CertIDs fits many times over (RFC 5019's is about 100 bytes); larger ones are refused unread.</summary>
    public const int MaxRequestBytes = 4 * 1024;
    public const int MaxCertIds = 8;
    public const long DefaultCacheBytes = 64L * 1024 * 1024;
    private const int MaxCachedStatuses = 100_000;
    // What an entry costs beyond its body: the key string, the tuple, the dictionary node (an estimate, on the high side).
    private const int EntryOverheadBytes = 256;

    private readonly ICertificateStatusSource _source;
    private readonly TimeProvider _time;
    private readonly TimeSpan _validity;
    private readonly long _cacheBytes;
    private readonly Dictionary<string, (byte[] NameHash, byte[] KeyHash)> _issuerHashes;
    private readonly ConcurrentDictionary<string, (OcspAnswer Answer, long Version, DateTimeOffset RefreshAt)> _cache = new();
    private long _cachedBytes;
    private readonly Lock _trimming = new();
    // Statuses of serials the CA did issue, under the version they were read at: a nonce request then costs no database
    // read. Unknown serials are not kept, so a certificate issued a moment later is "good" at once.
    private readonly ConcurrentDictionary<string, (CertificateStatusRecord Status, long Version)> _statuses = new();

    /// <param name="cacheBytes">the most the answer cache holds (bodies and an estimate of their bookkeeping).</param>
    public OcspResponder(X509Certificate issuer, ICertificateStatusSource source, TimeProvider time, TimeSpan validity, long cacheBytes = DefaultCacheBytes)
    {
        if (validity <= TimeSpan.Zero) throw new ArgumentOutOfRangeException(nameof(validity), validity, "must be positive");
        if (cacheBytes < 0) throw new ArgumentOutOfRangeException(nameof(cacheBytes), cacheBytes, "must not be negative");
        _source = source;
        _time = time;
        _validity = validity;
        _cacheBytes = cacheBytes;
        // Precomputed for the two hash algorithms clients use (openssl: SHA-1 by default), so a request costs no hashing of ours.
        var name = issuer.SubjectDN.GetEncoded();
        var key = issuer.CertificateStructure.SubjectPublicKeyInfo.PublicKey.GetBytes();
        _issuerHashes = new Dictionary<string, (byte[], byte[])>
        {
            [Org.BouncyCastle.Asn1.Oiw.OiwObjectIdentifiers.IdSha1.Id] = (SHA1.HashData(name), SHA1.HashData(key)),
            [NistObjectIdentifiersSha256] = (SHA256.HashData(name), SHA256.HashData(key)),
        };
    }

    private static readonly string NistObjectIdentifiersSha256 = Org.BouncyCastle.Asn1.Nist.NistObjectIdentifiers.IdSha256.Id;

    /// <summary>The malformedRequest OCSPResponse (RFC 6960 4.2.1): status only, nothing signed.</summary>
    public static byte[] MalformedRequest { get; } = new OcspResponse(new OcspResponseStatus(OcspResponseStatus.MalformedRequest), null).GetEncoded();

    /// <summary>Answers in the cache now (for status and tests).</summary>
    public int CachedAnswers => _cache.Count;

    /// <summary>What they cost, as counted against the byte budget.</summary>
    public long CachedBytes => Interlocked.Read(ref _cachedBytes);

    public OcspAnswer Respond(byte[] requestDer)
    {
        var now = _time.GetUtcNow();
        if (requestDer.Length == 0 || requestDer.Length > MaxRequestBytes) return Malformed(now);

        OcspReq request;
        Req[] items;
        string? cacheKey;
        X509Extension? nonce;
        try
        {
            request = new OcspReq(requestDer);
            items = request.GetRequestList();
            if (items.Length is 0 or > MaxCertIds) return Malformed(now);
            nonce = request.RequestExtensions?.GetExtension(OcspObjectIdentifiers.PkixOcspNonce);
            cacheKey = CacheKey(items);
        }
        catch (Exception e) when (e is IOException or ArgumentException or InvalidCastException or InvalidOperationException or OcspException or FormatException or IndexOutOfRangeException)
        {
            return Malformed(now);
        }
        if (cacheKey is null) return Malformed(now);
        // A nonce request is answered afresh, its nonce echoed, and never cached nor served from the cache.
        if (nonce is null && _cache.TryGetValue(cacheKey, out var hit) && hit.Version == _source.StatusVersion && now < hit.RefreshAt) return hit.Answer;

        var version = _source.StatusVersion;
        var answer = Sign(items, nonce, now);
        if (answer.Cacheable) Store(cacheKey, (answer, version, now + _validity / 2), now);
        return answer;
    }

    /// <summary>
    /// The answer depends on the CertIDs only (a nonce makes it uncacheable): their DER encodings, sorted, hashed. Re-encoding
    /// in DER drops BER length tricks; a hash algorithm's parameters must be absent or NULL, so at most two keys per CertID
    /// and hash algorithm exist. Null when a CertID is not of that shape (the request is malformed, nonce or not).
    /// </summary>
    private static string? CacheKey(Req[] items)
    {
        var ids = new string[items.Length];
        for (var i = 0; i < items.Length; i++)
        {
            var id = items[i].GetCertID().ToAsn1Object();
            if (id.HashAlgorithm.Parameters is { } parameters && parameters is not DerNull) return null;
            ids[i] = Convert.ToHexString(id.GetDerEncoded());
        }
        Array.Sort(ids, StringComparer.Ordinal);
        return Convert.ToBase64String(SHA256.HashData(System.Text.Encoding.ASCII.GetBytes(string.Join(',', ids))));
    }

    private static long CostOf(string key, OcspAnswer answer) => answer.Body.Length + key.Length * 2L + EntryOverheadBytes;

    private void Store(string key, (OcspAnswer Answer, long Version, DateTimeOffset RefreshAt) entry, DateTimeOffset now)
    {
        if (CostOf(key, entry.Answer) > _cacheBytes) return;
        if (_cache.TryRemove(key, out var old)) Interlocked.Add(ref _cachedBytes, -CostOf(key, old.Answer));
        if (_cache.TryAdd(key, entry)) Interlocked.Add(ref _cachedBytes, CostOf(key, entry.Answer));
        if (Interlocked.Read(ref _cachedBytes) > _cacheBytes) Trim(now);
    }

    /// <summary>Drops stale answers, then any, down to three quarters of the budget, so the scan is paid once per quarter filled.</summary>
    private void Trim(DateTimeOffset now)
    {
        lock (_trimming)
        {
            if (Interlocked.Read(ref _cachedBytes) <= _cacheBytes) return;
            var version = _source.StatusVersion;
            var target = _cacheBytes / 4 * 3;
            foreach (var (key, entry) in _cache)
                if ((entry.Version != version || now >= entry.RefreshAt) && _cache.TryRemove(key, out var removed))
                    Interlocked.Add(ref _cachedBytes, -CostOf(key, removed.Answer));
            foreach (var key in _cache.Keys)
            {
                if (Interlocked.Read(ref _cachedBytes) <= target) break;
                if (_cache.TryRemove(key, out var removed)) Interlocked.Add(ref _cachedBytes, -CostOf(key, removed.Answer));
            }
        }
    }

    private OcspAnswer Sign(Req[] items, X509Extension? nonce, DateTimeOffset now)
    {
        // Whole seconds: GeneralizedTime carries no more, and HTTP dates neither.
        var thisUpdate = new DateTimeOffset(now.Ticks - now.Ticks % TimeSpan.TicksPerSecond, TimeSpan.Zero);
        var nextUpdate = thisUpdate + _validity;
        var credentials = _source.OcspCredentials();
        var generator = new BasicOcspRespGenerator(new RespID(credentials.Certificate.SubjectDN));
        foreach (var item in items)
        {
            var id = item.GetCertID();
            generator.AddResponse(id, Status(id), thisUpdate.UtcDateTime, nextUpdate.UtcDateTime, null);
        }
        if (nonce is not null)
            generator.SetResponseExtensions(new X509Extensions(new Dictionary<DerObjectIdentifier, X509Extension> { [OcspObjectIdentifiers.PkixOcspNonce] = nonce }));
        var basic = generator.Generate(CaSigning.Signer(credentials.PrivateKey), [credentials.Certificate], thisUpdate.UtcDateTime);
        var body = new OCSPRespGenerator().Generate(OCSPRespGenerator.Successful, basic).GetEncoded();
        return new OcspAnswer(body, true, nonce is null, thisUpdate, nextUpdate, ETagOf(body));
    }

    private CertificateStatus Status(CertificateID id)
    {
        if (!_issuerHashes.TryGetValue(id.HashAlgOid, out var issuer)
            || !issuer.NameHash.AsSpan().SequenceEqual(id.GetIssuerNameHash())
            || !issuer.KeyHash.AsSpan().SequenceEqual(id.GetIssuerKeyHash())
            || id.SerialNumber.SignValue <= 0)
            return new UnknownStatus();
        return Find(CertificateIds.SerialHex(id.SerialNumber)) switch
        {
            null => new UnknownStatus(),
            { Revoked: true } r => new RevokedStatus(new RevokedInfo(
                new Asn1GeneralizedTime((r.RevokedAt ?? DateTimeOffset.UnixEpoch).UtcDateTime), new CrlReason((int)r.Reason))),
            _ => CertificateStatus.Good,
        };
    }

    private CertificateStatusRecord? Find(string serial)
    {
        var version = _source.StatusVersion;
        if (_statuses.TryGetValue(serial, out var known) && known.Version == version) return known.Status;
        var status = _source.Find(serial);
        if (status is null) return null;
        if (_statuses.Count >= MaxCachedStatuses) _statuses.Clear();
        _statuses[serial] = (status, version);
        return status;
    }

    private static OcspAnswer Malformed(DateTimeOffset now) => new(MalformedRequest, false, false, now, now, ETagOf(MalformedRequest));

    private static string ETagOf(byte[] body) => "\"" + Convert.ToHexString(SHA256.HashData(body), 0, 16) + "\"";
}
