using System.Security.Cryptography;
using System.Security.Cryptography.X509Certificates;
using CertConnector.Actors.Common;
using CertConnector.Actors.Ports;
using CertConnector.Adapters.Ca.BuiltIn;
using CertConnector.Adapters.Tests.Ca;
using CertConnector.Adapters.Tests.Crypto;

namespace CertConnector.Adapters.Tests.Postgres;

/// <summary>
/// The remoting certificates of a cluster's members: issued by the shared CA for in-memory keys, naming the connector, and
/// the check each side of a TLS handshake runs on the other's certificate.
/// </summary>
[Trait("Category", "Postgres")]
[System.Runtime.Versioning.UnsupportedOSPlatform("windows")]
public sealed class ClusterMemberCertificateTests : IDisposable
{
    private readonly SharedDatabase _db = new("clustertls");
    private readonly SharedDatabase _otherDb = new("clustertls_other");
    private readonly List<TempDirectory> _dirs = [];

    public void Dispose()
    {
        foreach (var dir in _dirs) dir.Dispose();
        _db.Dispose();
        _otherDb.Dispose();
    }

    private BuiltInCa Instance(SharedDatabase db)
    {
        var dir = new TempDirectory();
        _dirs.Add(dir);
        var database = db.OpenInstance();
        var options = CaTestSupport.Options(dir.Path);
        options.PassphraseSupplier = () => "cluster passphrase".ToCharArray();
        options.Database = database;
        options.SharedCredentials = new SharedCaCredentials(database);
        return BuiltInCa.OpenOrCreate(options);
    }

    [Fact]
    public async Task Members_accept_each_other_and_refuse_a_device_certificate_of_the_same_CA_even_one_naming_the_connector()
    {
        BuiltInCa one = Instance(_db), two = Instance(_db);
        var a = one.IssueClusterMemberCredentials("node-a");
        var b = two.IssueClusterMemberCredentials("node-b");
        var now = DateTimeOffset.UtcNow;

        Assert.Equal(a.ConnectorId, b.ConnectorId);
        Assert.True(a.Certificate.HasPrivateKey);
        Assert.Null(RemotingPeerCheck.Refusal(b.Certificate, a, now));
        Assert.Null(RemotingPeerCheck.Refusal(a.Certificate, b, now));

        // A device asks for the connector's identity as a URI SAN: the CA issues it, but it is no member's certificate.
        var csr = CaTestSupport.Csr().Csr;
        var device = await one.IssueAsync(new IssuanceRequest("device-1", "pkcs", csr, "client-auth",
            SubjectName: "CN=certconnector cluster member", SubjectAlternativeNames: [new SubjectAltName("uri", ClusterTlsIdentity.Uri(a.ConnectorId!))]), default);
        var refusal = RemotingPeerCheck.Refusal(X509CertificateLoader.LoadCertificate(device.CertificateDer), a, now);
        Assert.Contains("not a cluster-member certificate", refusal);

        // Members' certificates are not in the issued store (nothing to renew over SCEP, revoke or list): only the device's is.
        Assert.Equal(1, _db.Scalar("SELECT count(*) FROM issued_certificates"));
        Assert.Null(one.Store.FindBySerial(b.Certificate.SerialNumber));
    }

    [Fact]
    public void No_certificate_a_self_made_one_an_expired_one_and_another_connector_s_are_refused_each_saying_why()
    {
        var a = Instance(_db).IssueClusterMemberCredentials("node-a");
        var b = Instance(_db).IssueClusterMemberCredentials("node-b");
        var foreign = Instance(_otherDb).IssueClusterMemberCredentials("node-x");
        var now = DateTimeOffset.UtcNow;

        Assert.Contains("no certificate", RemotingPeerCheck.Refusal(null, a, now));

        using var key = ECDsa.Create(ECCurve.NamedCurves.nistP256);
        var selfMade = new CertificateRequest(a.Certificate.SubjectName, key, HashAlgorithmName.SHA256).CreateSelfSigned(now.AddDays(-1), now.AddDays(1));
        Assert.Contains("not issued by this connector's CA", RemotingPeerCheck.Refusal(selfMade, a, now));

        Assert.Contains("expired", RemotingPeerCheck.Refusal(b.Certificate, a, now + BuiltInCa.ClusterMemberValidity + TimeSpan.FromMinutes(1)));

        // Another database (its own CA): both sides refuse, and can tell it is another connector's member.
        Assert.NotEqual(a.ConnectorId, foreign.ConnectorId);
        Assert.Contains("member certificate of another connector", RemotingPeerCheck.Refusal(foreign.Certificate, a, now));
        Assert.Contains("member certificate of another connector", RemotingPeerCheck.Refusal(a.Certificate, foreign, now));

        // The same CA with another cluster ID (another database that imported the same CA): another connector too.
        Assert.Contains("names another connector", RemotingPeerCheck.Refusal(b.Certificate, a with { ConnectorId = "0123456789abcdef0123456789abcdef" }, now));
    }
}
