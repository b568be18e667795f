using System.Security.Cryptography;
using System.Text;
using CertConnector.Actors.Common;
using CertConnector.Actors.Ports;
using CertConnector.Adapters.Crypto;
using CertConnector.Adapters.Scep;
using CertConnector.Adapters.Scep.Client;
using Org.BouncyCastle.Asn1;
using Org.BouncyCastle.Asn1.Pkcs;
using Org.BouncyCastle.Asn1.X509;
using Org.BouncyCastle.Pkcs;
using Org.BouncyCastle.X509;

namespace CertConnector.Adapters.Ca.Scep;

/// <summary>
/// An upstream RFC 8894 CA behind the <see cref="ICertificateAuthority"/> port: the connector enrolls each CSR there as a
/// registration authority, signing with <see cref="ScepRaIdentity"/>.
/// Exactly once: the transactionID is derived from the request ID, and every attempt first polls that transaction
/// (CertPoll) and enrolls (PKCSReq) only when the upstream does not know it, so a retry after a crash picks up the
/// certificate or the PENDING state the first attempt left behind instead of enrolling twice.
/// </summary>
public sealed class UpstreamScepCa : ICertificateAuthority, IDisposable
{
    public const string WeakAlgorithmsCode = "UpstreamWeakAlgorithms";
    public const string BadResponseCode = "UpstreamBadResponse";
    public const string RefusedCode = "UpstreamRefused";
    public const string PendingCode = "UpstreamPending";
    public const string KeyMismatchCode = "UpstreamKeyMismatch";
    public const string BadCertificateCode = "UpstreamBadCertificate";
    public const string UntrustedCode = "UpstreamUntrusted";

    /// <summary>A renewed upstream CA or RA certificate is picked up this long after the last GetCACert at the latest.</summary>
    private static readonly TimeSpan RefreshAfter = TimeSpan.FromHours(1);

    private readonly UpstreamScepOptions _options;
    private readonly ScepRaIdentity _identity;
    private readonly TimeProvider _time;
    private readonly UpstreamScepHttp _http;
    private readonly SemaphoreSlim _connecting = new(1, 1);
    private volatile Upstream? _upstream;

    public UpstreamScepCa(UpstreamScepOptions options, ScepRaIdentity identity, TimeProvider? time = null)
    {
        if (options.Problems() is { Count: > 0 } problems) throw new ArgumentException(string.Join(" ", problems), nameof(options));
        _options = options;
        _identity = identity;
        _time = time ?? TimeProvider.System;
        _http = new UpstreamScepHttp(options);
        Challenges = new UpstreamChallengeSource(options);
    }

    /// <summary>The upstream's challenge for the CSRs sent there: it must be inside the CSR, signed with the CSR's key.</summary>
    public UpstreamChallengeSource Challenges { get; }

    /// <summary>Empty until the upstream was first reached (<see cref="ConnectAsync"/>).</summary>
    public IReadOnlyList<byte[]> CaChainDer => _upstream?.CaChainDer ?? [];

    public IReadOnlyCollection<string> TemplateNames => _options.TemplateNames;

    /// <summary>The upstream's transactionID for a request: the same for every attempt of one request, different across requests.</summary>
    public static string TransactionIdFor(string requestId) =>
        Convert.ToHexString(SHA256.HashData(Encoding.UTF8.GetBytes("certconnector upstream-scep\n" + requestId)))[..40];

    /// <summary>Reads GetCACaps and GetCACert; refuses an upstream offering only weak algorithms (a final failure, one line).</summary>
    public async Task ConnectAsync(CancellationToken cancellationToken) => await UpstreamAsync(cancellationToken, refresh: true).ConfigureAwait(false);

    /// <summary>The cheap status probe: does GetCACaps answer? Never throws.</summary>
    public async Task<CaHealth> ProbeAsync(CancellationToken cancellationToken)
    {
        var raNotAfter = CertificateIds.Utc(_identity.Certificate.NotAfter);
        try
        {
            await _http.GetAsync("GetCACaps", null, cancellationToken).ConfigureAwait(false);
            var caNotAfter = _upstream?.CaChain is [var ca, ..] ? CertificateIds.Utc(ca.NotAfter) : (DateTimeOffset?)null;
            return new CaHealth(true, caNotAfter, raNotAfter);
        }
        catch (Exception e)
        {
            return new CaHealth(false, null, raNotAfter, e.Message);
        }
    }

    public async Task<IssuedCertificate> IssueAsync(IssuanceRequest request, CancellationToken cancellationToken)
    {
        var csr = CertificationRequests.ParseAndVerify(request.CsrDer);
        var upstream = await UpstreamAsync(cancellationToken, refresh: false).ConfigureAwait(false);
        var exchange = new Exchange(this, upstream, TransactionIdFor(request.RequestId), csr);
        var deadline = _time.GetUtcNow() + _options.PendingTimeout;

        var reply = await exchange.PollIfKnownAsync(cancellationToken).ConfigureAwait(false)
                    ?? await exchange.EnrollAsync(cancellationToken).ConfigureAwait(false);
        for (var interval = _options.FirstPollInterval; reply.Status == ScepPkiStatus.Pending;
             interval = TimeSpan.FromTicks(Math.Min(interval.Ticks * 2, _options.MaxPollInterval.Ticks)))
        {
            if (_time.GetUtcNow() + interval > deadline)
                throw ConnectorFailureException.Transient(PendingCode,
                    $"The upstream SCEP CA holds transaction {exchange.TransactionId} as PENDING (waiting for approval at the CA?); the next attempt polls it again.");
            await Task.Delay(interval, _time, cancellationToken).ConfigureAwait(false);
            reply = await exchange.PollAsync(cancellationToken).ConfigureAwait(false);
        }
        if (reply.Status == ScepPkiStatus.Failure) throw exchange.Refused(reply);
        return exchange.Issued(reply);
    }

    private async Task<Upstream> UpstreamAsync(CancellationToken cancellationToken, bool refresh)
    {
        var known = _upstream;
        if (!refresh && known is not null && _time.GetUtcNow() - known.FetchedAt < RefreshAfter) return known;
        await _connecting.WaitAsync(cancellationToken).ConfigureAwait(false);
        try
        {
            if (!refresh && _upstream is { } other && !ReferenceEquals(other, known)) return other;
            var capabilities = await CapabilitiesAsync(cancellationToken).ConfigureAwait(false);
            if (capabilities.Weakness() is { } weakness && !_options.AllowWeakAlgorithms)
                throw ConnectorFailureException.Final(WeakAlgorithmsCode,
                    $"The upstream SCEP CA at {_options.Url} offers only {weakness} (GetCACaps: {capabilities}); refused unless AllowWeakAlgorithms is set.");
            var certificates = await CaCertificatesAsync(cancellationToken).ConfigureAwait(false);
            return _upstream = new Upstream(capabilities, certificates, _time.GetUtcNow());
        }
        finally
        {
            _connecting.Release();
        }
    }

    private async Task<UpstreamCapabilities> CapabilitiesAsync(CancellationToken cancellationToken)
    {
        var answer = await Call(() => _http.GetAsync("GetCACaps", null, cancellationToken), "GetCACaps").ConfigureAwait(false);
        var text = Encoding.ASCII.GetString(answer.Body);
        var capabilities = UpstreamCapabilities.Parse(text);
        // An HTML page (a proxy's, a login form) is not a capability list, and not a "weak" upstream either.
        if (capabilities.Keywords.Any(k => !k.All(c => char.IsAsciiLetterOrDigit(c) || c is '-' or '_')))
            throw BadResponse($"GetCACaps answered something that is not a capability list: {UpstreamScepHttp.Printable(answer.Body)}");
        return capabilities;
    }

    private async Task<IReadOnlyList<X509Certificate>> CaCertificatesAsync(CancellationToken cancellationToken)
    {
        var answer = await Call(() => _http.GetAsync("GetCACert", null, cancellationToken), "GetCACert").ConfigureAwait(false);
        IReadOnlyList<X509Certificate> certificates;
        try
        {
            // One CA: a DER certificate (application/x-x509-ca-cert); CA and RA: a certs-only PKCS#7 (…-ca-ra-cert).
            certificates = answer.ContentType == "application/x-x509-ca-cert" || !LooksLikeCms(answer.Body)
                ? [new X509Certificate(answer.Body)]
                : ScepClient.ParseDegenerate(answer.Body).Certs;
        }
        catch (Exception e)
        {
            throw BadResponse($"GetCACert answered something that is neither a certificate nor a certs-only PKCS#7 ({e.Message})");
        }
        if (certificates.Count == 0) throw BadResponse("GetCACert answered no certificate");
        if (_options.CaCertificateSha256 is { } pin)
        {
            var wanted = pin.Replace(":", "").ToUpperInvariant();
            var fingerprints = certificates.Select(c => (c.SubjectDN, Sha256: Convert.ToHexString(SHA256.HashData(c.GetEncoded())))).ToList();
            if (!fingerprints.Any(f => f.Sha256 == wanted))
                throw ConnectorFailureException.Final(UntrustedCode,
                    $"The upstream SCEP CA at {_options.Url} returned no certificate with the configured CaCertificateSha256 {wanted} " +
                    $"(it returned {string.Join("; ", fingerprints.Select(f => $"{f.SubjectDN} SHA-256 {f.Sha256}"))}).");
        }
        return certificates;
    }

    /// <summary>A ContentInfo starts with the signedData OID; a certificate starts with a SEQUENCE of SEQUENCEs.</summary>
    private static bool LooksLikeCms(byte[] der)
    {
        try
        {
            return Asn1Object.FromByteArray(der) is Asn1Sequence { Count: > 0 } s && s[0] is DerObjectIdentifier;
        }
        catch (Exception)
        {
            return false;
        }
    }

    /// <summary>An HTTP error status of the upstream as a failure (the other failures are classified by the transport).</summary>
    private static async Task<UpstreamScepHttp.Answer> Call(Func<Task<UpstreamScepHttp.Answer>> call, string operation)
    {
        try
        {
            return await call().ConfigureAwait(false);
        }
        catch (UpstreamScepHttp.StatusException e)
        {
            var message = $"The upstream SCEP CA answered {operation} with {e.Message}";
            throw e.Retryable
                ? ConnectorFailureException.Transient(UpstreamScepHttp.UnavailableCode, message, e)
                : ConnectorFailureException.Final(UpstreamScepHttp.RefusedCode, message, e);
        }
    }

    private static ConnectorFailureException BadResponse(string what, Exception? inner = null) =>
        ConnectorFailureException.Transient(BadResponseCode, $"The upstream SCEP CA misbehaved: {what}.", inner);

    public void Dispose()
    {
        _http.Dispose();
        _connecting.Dispose();
    }

    /// <summary>What GetCACaps and GetCACert said. <see cref="CaChain"/> holds the CA certificates, the issuing one first.</summary>
    private sealed record Upstream(UpstreamCapabilities Capabilities, IReadOnlyList<X509Certificate> Certificates, DateTimeOffset FetchedAt)
    {
        public ScepClient Client { get; } = new(ScepClient.SelectRecipient(Certificates));
        public IReadOnlyList<X509Certificate> CaChain { get; } = IssuingFirst(Certificates.Where(c => c.GetBasicConstraints() >= 0).ToList());
        public IReadOnlyList<byte[]> CaChainDer => CaChain.Select(c => c.GetEncoded()).ToList();

        /// <summary>The CA certificates from the one that issued no other of them up to the root.</summary>
        private static IReadOnlyList<X509Certificate> IssuingFirst(List<X509Certificate> cas)
        {
            var lowest = cas.FirstOrDefault(c => !cas.Any(o => o != c && o.IssuerDN.Equivalent(c.SubjectDN)));
            return lowest is null ? cas : ChainAbove(lowest, cas, [lowest]);
        }

        /// <summary><paramref name="chain"/> extended by the issuers of its last certificate among <paramref name="cas"/>.</summary>
        public static IReadOnlyList<X509Certificate> ChainAbove(X509Certificate certificate, IReadOnlyList<X509Certificate> cas, List<X509Certificate> chain)
        {
            for (var current = certificate; !current.IssuerDN.Equivalent(current.SubjectDN) && chain.Count <= cas.Count;)
            {
                var issuer = cas.FirstOrDefault(c => c.SubjectDN.Equivalent(current.IssuerDN) && PublicKeys.IsSignedBy(current, c.SubjectPublicKeyInfo));
                if (issuer is null || chain.Contains(issuer)) break;
                chain.Add(issuer);
                current = issuer;
            }
            return chain;
        }
    }

    /// <summary>One request's messages with the upstream: one transactionID, fresh nonces, the answer checked against both.</summary>
    private sealed class Exchange(UpstreamScepCa ca, Upstream upstream, string transactionId, Pkcs10CertificationRequest csr)
    {
        public string TransactionId => transactionId;

        private X509Name Subject => csr.GetCertificationRequestInfo().Subject;

        /// <summary>Null when the upstream does not know the transaction (FAILURE, or CertPoll not implemented: micromdm's
        /// scepserver answers it with HTTP 500); the network failing is a failure, not "unknown".</summary>
        public async Task<CertRepResult?> PollIfKnownAsync(CancellationToken cancellationToken)
        {
            try
            {
                var reply = await PollAsync(cancellationToken).ConfigureAwait(false);
                return reply.Status == ScepPkiStatus.Failure ? null : reply;
            }
            catch (ConnectorFailureException e) when (e.InnerException is UpstreamScepHttp.StatusException || e.Code == BadResponseCode)
            {
                return null;
            }
        }

        public Task<CertRepResult> PollAsync(CancellationToken cancellationToken) =>
            SendAsync("CertPoll", o => upstream.Client.CertPoll(upstream.CaChain.FirstOrDefault()?.SubjectDN ?? upstream.Client.Recipient.IssuerDN,
                Subject, ca._identity.Certificate, ca._identity.PrivateKey, o), cancellationToken);

        public Task<CertRepResult> EnrollAsync(CancellationToken cancellationToken) =>
            SendAsync("PKCSReq", o => upstream.Client.PkcsReq(csr.GetDerEncoded(), ca._identity.Certificate, ca._identity.PrivateKey, o), cancellationToken);

        private async Task<CertRepResult> SendAsync(string what, Func<PkiMessageOptions, BuiltPkiMessage> build, CancellationToken cancellationToken)
        {
            var message = build(new PkiMessageOptions
            {
                TransactionId = transactionId,
                ContentAlgorithmOid = upstream.Capabilities.ContentAlgorithmOid,
                DigestOid = upstream.Capabilities.DigestOid,
            });
            var operation = $"{what} (PKIOperation)";
            var answer = await Call(() => upstream.Capabilities.Post
                ? ca._http.PostPkiOperationAsync(message.Bytes, operation, cancellationToken)
                : ca._http.GetAsync("PKIOperation", Convert.ToBase64String(message.Bytes), cancellationToken, operation), operation).ConfigureAwait(false);
            CertRepResult reply;
            try
            {
                // Single DES is opened: micromdm's scepserver encrypts every CertRep so. The envelope holds only the
                // certificate, which is checked against the CSR key and the upstream CA's signature before use.
                reply = ScepClient.DecodeCertRep(answer.Body, upstream.Certificates, ca._identity.Certificate, ca._identity.PrivateKey, allowSingleDes: true);
            }
            catch (Exception e) when (e is not OperationCanceledException)
            {
                throw BadResponse($"its answer to {what} for transaction {transactionId} is not a valid CertRep ({e.Message})", e);
            }
            if (reply.TransactionId != transactionId || !reply.RecipientNonce.AsSpan().SequenceEqual(message.SenderNonce))
                throw BadResponse($"its answer to {what} is for another message (transactionID {reply.TransactionId}, expected {transactionId})");
            return reply;
        }

        public ConnectorFailureException Refused(CertRepResult reply)
        {
            var info = reply.FailInfo is { } f ? $"failInfo {f} ({(int)f})" : "no failInfo";
            var hint = ca.Challenges.Configured && ChallengeOf(csr) is null ? " The CSR carried no challenge password." : "";
            return ConnectorFailureException.Final(RefusedCode,
                $"The upstream SCEP CA refused transaction {transactionId}: FAILURE, {info}.{hint}");
        }

        public IssuedCertificate Issued(CertRepResult reply)
        {
            var key = csr.GetCertificationRequestInfo().SubjectPublicKeyInfo;
            var certificate = reply.Certificates.FirstOrDefault(c => c.SubjectPublicKeyInfo.Equals(key));
            if (certificate is null && reply.Certificates.Count == 0)
                throw BadResponse($"it answered SUCCESS for transaction {transactionId} without a certificate");
            if (certificate is null)
            {
                var serials = string.Join(", ", reply.Certificates.Select(c => CertificateIds.SerialHex(c.SerialNumber)));
                throw ConnectorFailureException.Final(KeyMismatchCode,
                    $"The upstream SCEP CA answered transaction {transactionId} with a certificate for another key (serial {serials}): one from an earlier " +
                    "attempt of this request, whose key this connector no longer holds. The request is not enrolled a second time; revoke that serial at the upstream CA.");
            }
            var chain = Upstream.ChainAbove(certificate, upstream.CaChain, []);
            if (chain.Count == 0)
                throw ConnectorFailureException.Final(BadCertificateCode,
                    $"The certificate the upstream SCEP CA issued for transaction {transactionId} (serial {CertificateIds.SerialHex(certificate.SerialNumber)}, " +
                    $"issuer {certificate.IssuerDN}) is not signed by a CA certificate of its GetCACert answer.");
            return new IssuedCertificate(certificate.GetEncoded(), CertificateIds.SerialHex(certificate.SerialNumber), CertificateIds.Thumbprint(certificate),
                CertificateIds.Utc(certificate.NotAfter), chain.Select(c => c.GetEncoded()).ToList());
        }

        private static string? ChallengeOf(Pkcs10CertificationRequest request) =>
            request.GetCertificationRequestInfo().Attributes?.OfType<Asn1Encodable>().Select(AttributePkcs.GetInstance)
                .FirstOrDefault(a => a.AttrType.Equals(PkcsObjectIdentifiers.Pkcs9AtChallengePassword))?.AttrValues[0].ToString();
    }
}
