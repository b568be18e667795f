using System.Collections.Concurrent;
using System.Security.Cryptography;
using System.Security.Cryptography.X509Certificates;
using CertConnector.Actors.Common;
using CertConnector.Actors.Ports;
using CertConnector.Host.Ca.Named;

namespace CertConnector.Host.Tests.Ca;

/// <summary>The settings of a <see cref="TestCaType"/> CA (<c>Connector:Cas:NAME:Subject</c>, …).</summary>
public sealed class TestCaSettings
{
    /// <summary>The subject of its self-signed CA certificate: what a test reads in an issued certificate's issuer.</summary>
    public string Subject { get; set; } = "CN=Test CA";

    public int ValidityDays { get; set; } = 30;

    /// <summary>Its probe says it is unreachable.</summary>
    public bool Down { get; set; }
}

/// <summary>
/// A CA type defined only in the tests, added to the connector as one more registry entry (<c>Type = test</c>), as an upstream SCEP CA is:
/// the proof that a backend needs nothing but its entry. It signs with an in-memory key and revokes in memory; every instance of it is
/// kept in <see cref="Built"/> by CA name, so a test can see which CA did what.
/// </summary>
public static class TestCaType
{
    public const string Name = "test";

    public static ConcurrentDictionary<string, TestCa> Built { get; } = new(StringComparer.OrdinalIgnoreCase);

    public static CaType Definition { get; } = CaType.For<TestCaSettings>(Name, (context, settings) =>
    {
        var ca = Built.GetOrAdd(context.Name, _ => new TestCa(settings));
        return new CaBackend(ca, ca, ca);
    }, (ca, settings) =>
    {
        if (string.IsNullOrWhiteSpace(settings.Subject)) throw new CertConnector.Host.Configuration.StartupException($"Connector:Cas:{ca}:Subject is empty.");
    });

    /// <summary>The program's CA types and this one.</summary>
    public static IReadOnlyList<CaType> WithTest => [.. CaTypes.All, Definition];
}

public sealed class TestCa : ICertificateAuthority, ICertificateRevoker, ICaHealthProbe
{
    private readonly TestCaSettings _settings;
    private readonly RSA _key = RSA.Create(2048);
    private readonly X509Certificate2 _certificate;

    public TestCa(TestCaSettings settings)
    {
        _settings = settings;
        var request = new CertificateRequest(settings.Subject, _key, HashAlgorithmName.SHA256, RSASignaturePadding.Pkcs1);
        request.CertificateExtensions.Add(new X509BasicConstraintsExtension(true, false, 0, true));
        request.CertificateExtensions.Add(new X509KeyUsageExtension(X509KeyUsageFlags.KeyCertSign | X509KeyUsageFlags.CrlSign, true));
        _certificate = request.CreateSelfSigned(DateTimeOffset.UtcNow.AddDays(-1), DateTimeOffset.UtcNow.AddYears(1));
        CaChainDer = [_certificate.RawData];
    }

    public ConcurrentQueue<IssuanceRequest> Issued { get; } = new();

    /// <summary>Its probe says it is unreachable (starts as <c>Connector:Cas:NAME:Down</c>; a test may switch it).</summary>
    public bool Down
    {
        get => _settings.Down;
        set => _settings.Down = value;
    }
    public ConcurrentDictionary<string, RevocationReason> Revoked { get; } = new(StringComparer.OrdinalIgnoreCase);
    private readonly ConcurrentDictionary<string, bool> _serials = new(StringComparer.OrdinalIgnoreCase);

    public IReadOnlyList<byte[]> CaChainDer { get; }
    public IReadOnlyCollection<string> TemplateNames => ["client-auth", "test-template"];

    public Task<IssuedCertificate> IssueAsync(IssuanceRequest request, CancellationToken cancellationToken)
    {
        Issued.Enqueue(request);
        // Read with BouncyCastle: the connector's own CSRs leave out an empty attribute set, which .NET's strict reader refuses.
        var info = new Org.BouncyCastle.Pkcs.Pkcs10CertificationRequest(request.CsrDer).GetCertificationRequestInfo();
        var csr = new CertificateRequest(new X500DistinguishedName(info.Subject.GetDerEncoded()),
            PublicKey.CreateFromSubjectPublicKeyInfo(info.SubjectPublicKeyInfo.GetDerEncoded(), out _), HashAlgorithmName.SHA256);
        var serial = RandomNumberGenerator.GetBytes(12);
        serial[0] &= 0x7F;
        serial[0] |= 0x01;
        var now = DateTimeOffset.UtcNow;
        using var certificate = csr.Create(_certificate.SubjectName, X509SignatureGenerator.CreateForRSA(_key, RSASignaturePadding.Pkcs1),
            now.AddMinutes(-5), now.AddDays(_settings.ValidityDays), serial);
        var serialHex = Convert.ToHexString(serial);
        _serials[serialHex] = true;
        return Task.FromResult(new IssuedCertificate(certificate.RawData, serialHex, certificate.Thumbprint, certificate.NotAfter.ToUniversalTime(), CaChainDer));
    }

    public Task<RevocationResult> RevokeAsync(string serialNumber, RevocationReason reason, CancellationToken cancellationToken)
    {
        var serial = serialNumber.Replace(":", "").TrimStart('0');
        var known = _serials.Keys.FirstOrDefault(s => s.TrimStart('0').Equals(serial, StringComparison.OrdinalIgnoreCase));
        if (known is null) throw ConnectorFailureException.Final(ICertificateRevoker.NotFoundCode, $"test CA {_settings.Subject} never issued {serialNumber}");
        return Task.FromResult(Revoked.TryAdd(known, reason) ? RevocationResult.Revoked : RevocationResult.AlreadyRevoked);
    }

    public Task<CaHealth> ProbeAsync(CancellationToken cancellationToken) =>
        Task.FromResult(_settings.Down ? new CaHealth(false, null, null, "test CA is down") : new CaHealth(true, _certificate.NotAfter.ToUniversalTime(), null));
}
