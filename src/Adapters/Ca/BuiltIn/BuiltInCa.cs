using CertConnector.Actors.Common;
using CertConnector.Actors.Ports;
using CertConnector.Adapters.Crypto;
using CertConnector.Adapters.Crypto.Pkcs11;
using CertConnector.Adapters.Revocation;
using System.Data.Common;
using CertConnector.Adapters.Service.Standalone;
using Org.BouncyCastle.Crypto;
using Org.BouncyCastle.Crypto.Parameters;
using Org.BouncyCastle.Pkcs;
using Org.BouncyCastle.X509;
using SubjectPublicKeyInfo = Org.BouncyCastle.Asn1.X509.SubjectPublicKeyInfo;

namespace CertConnector.Adapters.Ca.BuiltIn;

/// <summary>
/// The default CA backend: a root generated at first start (or an imported root/subordinate), an RA certificate for
/// SCEP, templates, and the issued-certificate store. Keys are kept encrypted at rest and in memory once opened.
/// </summary>
public sealed partial class BuiltInCa : ICertificateAuthority
{
    /// <summary>An RA certificate this close to expiry is replaced at start.</summary>
    private static readonly TimeSpan RaRenewBefore = TimeSpan.FromDays(30);

    private readonly BuiltInCaOptions _options;
    private readonly TimeProvider _time;
    private readonly Dictionary<string, CertificateTemplate> _templates;

    private BuiltInCa(BuiltInCaOptions options, TimeProvider time, IReadOnlyList<X509Certificate> chain, AsymmetricKeyParameter caKey,
        X509Certificate raCertificate, AsymmetricKeyParameter raKey, IEnumerable<CertificateTemplate> templates, OcspSigningCredentials ocsp)
    {
        _options = options;
        _time = time;
        CaChain = chain;
        CaPrivateKey = caKey;
        RaCertificate = raCertificate;
        RaPrivateKey = raKey;
        CaChainDer = chain.Select(c => c.GetEncoded()).ToList();
        _templates = templates.ToDictionary(t => t.Name, StringComparer.OrdinalIgnoreCase);
        // issued.db in the CA directory, unless a cluster shares one database: then serials and CRL numbers are one for all.
        var database = options.Database ?? new StandaloneDatabase(Path.Combine(options.Directory, "issued.db"), TimeSpan.FromSeconds(30));
        Store = new IssuedCertificateStore(database);
        _crlNumbers = new CrlNumbers(database);
        _ocsp = ocsp;
        CrlFileName = CrlFileNameOf(chain[0]);
        // "No valid certificate exists that no request owns": orphans left by a crash before this start are revoked now.
        RevokeSuperseded();
    }

    public X509Certificate CaCertificate => CaChain[0];
    public IReadOnlyList<X509Certificate> CaChain { get; }
    public AsymmetricKeyParameter CaPrivateKey { get; }

    /// <summary>The SCEP RA certificate (RSA, digitalSignature + keyEncipherment), issued by this CA.</summary>
    public X509Certificate RaCertificate { get; }
    public AsymmetricKeyParameter RaPrivateKey { get; }

    /// <summary>The delegated OCSP signer's certificate (its expiry is a metric).</summary>
    public X509Certificate OcspSignerCertificate => _ocsp.Certificate;

    public IssuedCertificateStore Store { get; }
    public IReadOnlyList<byte[]> CaChainDer { get; }
    public IReadOnlyCollection<string> TemplateNames => _templates.Keys;

    /// <summary>Whether a CA is already there (in the directory, or in the cluster's shared database).</summary>
    public static bool Exists(BuiltInCaOptions options) => Slot(options, "ca").Exists;

    public static BuiltInCa OpenOrCreate(BuiltInCaOptions options, TimeProvider? timeProvider = null, IEnumerable<CertificateTemplate>? templates = null)
    {
        var time = timeProvider ?? TimeProvider.System;
        CreateDirectory(options.Directory);
        var passphrase = Passphrase(options);
        using var opening = options.SharedCredentials?.Lock(); // instances of a cluster open (and first create) the CA one at a time
        try
        {
            var caFiles = Slot(options, "ca");
            IReadOnlyList<X509Certificate> chain;
            AsymmetricKeyParameter caKey;
            if (caFiles.Exists)
            {
                (chain, caKey) = caFiles.Load(passphrase);
            }
            else
            {
                if (caFiles.OrphanKey && caFiles is CaKeyFiles files)
                    throw new InvalidOperationException($"{files.KeyPath} exists without {files.CertificatePath}. Restore the certificate, or delete the key to create a new CA.");
                var keyPair = NewKey(options, "ca", options.KeySpec);
                var root = CertificateProfile.SelfSignedRoot(DistinguishedName.Parse(options.SubjectName), keyPair, time.GetUtcNow(), options.ValidityYears);
                chain = [root];
                caKey = keyPair.Private;
                caFiles.Save(chain, caKey, passphrase, options.KeyFileIterations);
            }

            // The journal sealing key of a token CA is derived from a token secret, made once, here, while the cluster waits.
            options.Token?.EnsureSecret(Pkcs11Token.SealingSecretLabel);
            var (raCertificate, raKey) = OpenOrIssueRa(options, time, chain[0], caKey, passphrase);
            var ocsp = OpenOrIssueOcspSigner(options, time, chain[0], caKey, passphrase);
            return new BuiltInCa(options, time, chain, caKey, raCertificate, raKey, templates ?? CertificateTemplate.BuiltIn, ocsp);
        }
        finally
        {
            Array.Clear(passphrase);
        }
    }

    /// <summary>
    /// Makes an existing CA (root or subordinate, key + certificate + chain in a PKCS#12) the built-in CA, then opens it.
    /// Refuses to replace a CA already in <see cref="BuiltInCaOptions.Directory"/>.
    /// </summary>
    public static BuiltInCa Import(BuiltInCaOptions options, string p12Path, string password, TimeProvider? timeProvider = null,
        IEnumerable<CertificateTemplate>? templates = null)
    {
        CreateDirectory(options.Directory);
        var caFiles = Slot(options, "ca");
        if (caFiles.Exists || caFiles.OrphanKey)
            throw new InvalidOperationException($"A CA already exists in {caFiles.Where}; move it away before importing another.");

        var store = new Pkcs12StoreBuilder().Build();
        using (var stream = File.OpenRead(p12Path)) store.Load(stream, password.ToCharArray());
        var alias = store.Aliases.FirstOrDefault(store.IsKeyEntry)
            ?? throw new InvalidOperationException($"{p12Path} holds no private key.");
        var key = store.GetKey(alias).Key;
        var chain = store.GetCertificateChain(alias)?.Select(e => e.Certificate).ToList() is { Count: > 0 } c
            ? c
            : [store.GetCertificate(alias).Certificate];
        var ca = chain[0];
        if (ca.GetBasicConstraints() < 0)
            throw new InvalidOperationException($"The certificate in {p12Path} ({ca.SubjectDN}) is not a CA certificate (basicConstraints cA is not set).");
        if (ca.GetKeyUsage() is { } usage && !usage[5])
            throw new InvalidOperationException($"The certificate in {p12Path} ({ca.SubjectDN}) may not sign certificates (keyCertSign is not set).");
        if (!CaKeyFiles.KeyMatches(ca, key))
            throw new InvalidOperationException($"The key in {p12Path} does not belong to its certificate.");

        var passphrase = Passphrase(options);
        try
        {
            // With a token the key is copied into it (sensitive, never extractable) and only the certificates are kept here.
            if (options.Token is { } token) key = token.Import(TokenLabel("ca"), key, ca);
            caFiles.Save(chain, key, passphrase, options.KeyFileIterations);
        }
        finally
        {
            Array.Clear(passphrase);
        }
        return OpenOrCreate(options, timeProvider, templates);
    }

    public async Task<IssuedCertificate> IssueAsync(IssuanceRequest request, CancellationToken cancellationToken)
    {
        cancellationToken.ThrowIfCancellationRequested();
        if (!_templates.TryGetValue(request.TemplateName ?? "", out var template))
            throw ConnectorFailureException.Final("UnknownTemplate",
                $"The built-in CA has no template '{request.TemplateName}'. Known templates: {string.Join(", ", _templates.Keys)}.");

        var csr = CertificationRequests.ParseAndVerify(request.CsrDer);
        var spki = csr.GetCertificationRequestInfo().SubjectPublicKeyInfo;
        CheckKeyStrength(spki);

        // A retried request (same request ID, same key) gets the certificate it already has, not a second one.
        var earlier = Store.FindByRequestId(request.RequestId);
        if (earlier is { Status: IssuedCertificateRecord.Issued } && new X509Certificate(earlier.Der).SubjectPublicKeyInfo.Equals(spki))
            return Result(new X509Certificate(earlier.Der));

        var subject = request.SubjectName is null ? csr.GetCertificationRequestInfo().Subject : DistinguishedName.Parse(request.SubjectName);
        var sans = request.SubjectAlternativeNames ?? CertificationRequests.RequestedSubjectAltNames(csr);
        if (subject.GetOidList().Count == 0 && sans.Count == 0)
            throw ConnectorFailureException.Final("BadCsr", "The request has neither a subject name nor subject alternative names.");
        if (template.RequiresEmailSan && !sans.Any(s => s.Type.Equals("email", StringComparison.OrdinalIgnoreCase)))
            throw ConnectorFailureException.Final("EmailSanRequired", $"Template '{template.Name}' requires an email subject alternative name.");

        var days = request.ValidityDays ?? template.DefaultValidityDays;
        if (days <= 0) throw ConnectorFailureException.Final("BadValidity", $"A validity of {days} days is not possible.");
        days = Math.Min(days, template.MaxValidityDays);

        var now = _time.GetUtcNow();
        if (now >= CertificateIds.Utc(CaCertificate.NotAfter))
            throw ConnectorFailureException.Final("CaCertificateExpired", $"The built-in CA certificate expired on {CaCertificate.NotAfter:u}.");

        for (var attempt = 1; ; attempt++)
        {
            var serial = CertificateIds.NewSerial();
            var certificate = CertificateProfile.EndEntity(
                new EndEntityRequest(subject, spki, sans, template, serial, now - CertificateProfile.ClockSkew, now.AddDays(days), request.OnPremisesSid),
                CaCertificate, CaPrivateKey, PublicationUrls());
            try
            {
                var added = await Store.AddRenewalAsync(new IssuedCertificateRecord(CertificateIds.SerialHex(serial), DistinguishedName.ToText(subject),
                    request.RequestId, request.Feature, IssuedCertificateRecord.Issued, CertificateIds.Utc(certificate.NotBefore),
                    CertificateIds.Utc(certificate.NotAfter), CertificateIds.Thumbprint(certificate), certificate.GetEncoded(), Template: template.Name),
                    request.Renews, cancellationToken).ConfigureAwait(false);
                // The certificate just signed was never recorded and goes nowhere: it is as if it had not been made.
                if (!added)
                    throw ConnectorFailureException.Final(ICertificateAuthority.AlreadyRenewedCode,
                        $"certificate {request.Renews} is no longer current (renewed by another request, superseded or revoked); it is renewed at most once");
                // The store has just marked the earlier certificate of this request superseded: it must not stay valid.
                if (earlier is not null) RevokeSuperseded();
                return Result(certificate);
            }
            catch (Exception e) when (StandaloneDatabase.IsUniqueViolation(e) && attempt < 3)
            {
                // A unique-key violation: a serial collision (2^-127 odds) - draw another one.
            }
        }
    }

    private IssuedCertificate Result(X509Certificate certificate) => new(
        certificate.GetEncoded(), CertificateIds.SerialHex(certificate.SerialNumber), CertificateIds.Thumbprint(certificate),
        CertificateIds.Utc(certificate.NotAfter), CaChainDer);

    private static void CheckKeyStrength(SubjectPublicKeyInfo key)
    {
        if (PublicKeys.IsRsa(key))
        {
            var bits = PublicKeys.RsaBits(key);
            if (bits < 2048) throw ConnectorFailureException.Final("BadCsr", $"The request's RSA key has {bits} bits; at least 2048 are required.");
        }
        else if (PublicKeys.IsEc(key))
        {
            var size = PublicKeys.EcFieldSize(key);
            if (size < 256) throw ConnectorFailureException.Final("BadCsr", $"The request's EC key is on a {size}-bit curve; P-256 or larger is required.");
        }
        else
        {
            throw ConnectorFailureException.Final("BadCsr", $"The request's key type ({key.Algorithm.Algorithm.Id}) is not supported; use RSA or EC.");
        }
    }

    private static (X509Certificate, AsymmetricKeyParameter) OpenOrIssueRa(BuiltInCaOptions options, TimeProvider time, X509Certificate ca,
        AsymmetricKeyParameter caKey, char[] passphrase)
    {
        var raFiles = Slot(options, "ra");
        var now = time.GetUtcNow();
        if (raFiles.Exists)
        {
            var (chain, key) = raFiles.Load(passphrase);
            var ra = chain[0];
            var stillGood = CertificateIds.Utc(ra.NotAfter) - now > RaRenewBefore && ra.IssuerDN.Equivalent(ca.SubjectDN) && IsSignedBy(ra, ca);
            if (stillGood) return (ra, key);
        }

        // SCEP clients encrypt to the RA with RSA, so the RA key is RSA whatever the CA key is.
        var keyPair = NewKey(options, "ra", KeySpec.Rsa2048, decrypt: true);
        var raCertificate = CertificateProfile.Ra(DistinguishedName.Parse(options.RaSubjectName), keyPair.Public, ca, caKey, now, options.RaValidityDays);
        raFiles.Save([raCertificate], keyPair.Private, passphrase, options.KeyFileIterations);
        return (raCertificate, keyPair.Private);
    }

    private static bool IsSignedBy(X509Certificate certificate, X509Certificate issuer)
    {
        try
        {
            certificate.Verify(issuer.GetPublicKey());
            return true;
        }
        catch (Exception)
        {
            return false;
        }
    }

    /// <summary>
    /// A credential's home: the CA directory, or the cluster's shared database. With a PKCS#11 token the CA, RA and
    /// OCSP-signer keys are in the token and only their certificates are kept there (the connector key stays as it is).
    /// </summary>
    private static ICaCredentialSlot Slot(BuiltInCaOptions options, string name)
    {
        var slot = options.SharedCredentials?.Slot(name) ?? new CaKeyFiles(options.Directory, name);
        return options.Token is { } token && TokenKeyNames.Contains(name) ? new TokenCredentialSlot(slot, token, TokenLabel(name)) : slot;
    }

    private static readonly string[] TokenKeyNames = ["ca", "ra", "ocsp"];

    /// <summary>CKA_LABEL of a credential's key in the token: certconnector-ca, -ra, -ocsp.</summary>
    public static string TokenLabel(string name) => "certconnector-" + name;

    /// <summary>A new key pair for credential <paramref name="name"/>: in the token when there is one, else in memory.</summary>
    private static AsymmetricCipherKeyPair NewKey(BuiltInCaOptions options, string name, KeySpec spec, bool decrypt = false) =>
        options.Token is { } token && TokenKeyNames.Contains(name) ? token.Generate(TokenLabel(name), spec, decrypt) : KeyGeneration.Generate(spec);

    private static char[] Passphrase(BuiltInCaOptions options)
    {
        // Copied, because the CA clears its copy after use and the supplier may hand out a shared array.
        var passphrase = options.PassphraseSupplier?.Invoke().ToArray()
            ?? (options.SharedCredentials is null ? CaPassphrase.Default(options.Directory) : CaPassphrase.Required());
        if (passphrase.Length == 0) throw new InvalidOperationException("The CA key passphrase is empty.");
        return passphrase;
    }

    private static void CreateDirectory(string directory)
    {
        if (OperatingSystem.IsWindows()) Directory.CreateDirectory(directory);
        else Directory.CreateDirectory(directory, UnixFileMode.UserRead | UnixFileMode.UserWrite | UnixFileMode.UserExecute);
    }
}
