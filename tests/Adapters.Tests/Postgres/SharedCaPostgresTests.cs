using CertConnector.Actors.Ports;
using CertConnector.Adapters.Ca.BuiltIn;
using CertConnector.Adapters.Service.Standalone;
using CertConnector.Adapters.Tests.Ca;
using CertConnector.Adapters.Tests.Crypto;

namespace CertConnector.Adapters.Tests.Postgres;

/// <summary>
/// The built-in CA of a cluster: instances with their own (empty) directories, one PostgreSQL database. They must all
/// sign with one CA key, decrypt SCEP with one RA key, and keep serials unique in one issued store.
/// </summary>
[Trait("Category", "Postgres")]
[System.Runtime.Versioning.UnsupportedOSPlatform("windows")]
public sealed class SharedCaPostgresTests : IDisposable
{
    private readonly SharedDatabase _db = new("sharedca");
    private readonly List<TempDirectory> _dirs = [];

    public void Dispose()
    {
        foreach (var dir in _dirs) dir.Dispose();
        _db.Dispose();
    }

    private BuiltInCaOptions Instance(string passphrase = "cluster passphrase")
    {
        var dir = new TempDirectory();
        _dirs.Add(dir);
        var database = _db.OpenInstance();
        var options = CaTestSupport.Options(dir.Path);
        options.PassphraseSupplier = () => passphrase.ToCharArray();
        options.Database = database;
        options.SharedCredentials = new SharedCaCredentials(database);
        return options;
    }

    [Fact]
    public async Task Instances_starting_together_share_one_CA_one_RA_one_OCSP_signer_and_one_issued_store()
    {
        var options = Enumerable.Range(0, 3).Select(_ => Instance()).ToList();
        var cas = await Task.WhenAll(options.Select(o => Task.Run(() => BuiltInCa.OpenOrCreate(o))));

        Assert.Single(cas.Select(ca => ca.CaCertificate).Distinct());
        Assert.Single(cas.Select(ca => ca.RaCertificate).Distinct());
        Assert.Equal(3, _db.Scalar("SELECT count(*) FROM ca_credentials"));
        // Nothing secret in the instances' own directories: no key files, no master.key, no issued.db.
        Assert.All(options, o => Assert.Empty(Directory.GetFiles(o.Directory)));
        // The keys are stored encrypted (PBES2 PKCS#8), never as a plain private key.
        Assert.Equal(0, _db.Scalar("SELECT count(*) FROM ca_credentials WHERE encrypted_key NOT LIKE '-----BEGIN ENCRYPTED PRIVATE KEY-----%'"));

        // Issued on one instance, visible and revocable on another; the same request retried elsewhere gets the same certificate.
        var csr = CaTestSupport.Csr().Csr;
        var first = await cas[0].IssueAsync(new IssuanceRequest("req-1", "pkcs", csr, "client-auth"), default);
        var retried = await cas[2].IssueAsync(new IssuanceRequest("req-1", "pkcs", csr, "client-auth"), default);
        Assert.Equal(first.SerialNumber, retried.SerialNumber);
        Assert.Equal("req-1", cas[1].Store.FindBySerial(first.SerialNumber)!.RequestId);
        Assert.Equal(1, _db.Scalar("SELECT count(*) FROM issued_certificates WHERE request_id = 'req-1'"));

        // A restart loads what the others created.
        Assert.Equal(cas[0].CaCertificate, BuiltInCa.OpenOrCreate(Instance()).CaCertificate);
    }

    [Fact]
    public async Task A_revocation_on_one_instance_is_in_the_next_CRL_and_OCSP_status_of_every_other()
    {
        var a = BuiltInCa.OpenOrCreate(Instance());
        var b = BuiltInCa.OpenOrCreate(Instance());
        var issued = await a.IssueAsync(new IssuanceRequest("req-r", "pkcs", CaTestSupport.Csr().Csr, "client-auth"), default);
        var crlBefore = b.CurrentCrl();
        var versionBefore = b.StatusVersion;
        Assert.False(b.Find(issued.SerialNumber)!.Revoked);

        Assert.Equal(RevocationResult.Revoked, await a.RevokeAsync(issued.SerialNumber, RevocationReason.KeyCompromise, default));

        Assert.NotEqual(versionBefore, b.StatusVersion); // B's cached OCSP answers are stale now
        Assert.True(b.Find(issued.SerialNumber)!.Revoked);
        var crlAfter = b.CurrentCrl(); // B re-issues, although it revoked nothing itself and its CRL is young
        Assert.NotSame(crlBefore, crlAfter);
        Assert.NotNull(new Org.BouncyCastle.X509.X509Crl(crlAfter.Der).GetRevokedCertificate(new Org.BouncyCastle.Math.BigInteger(issued.SerialNumber, 16)));
        Assert.Same(crlAfter, b.CurrentCrl()); // and keeps it while nothing changes
    }

    [Fact]
    public void An_instance_with_another_passphrase_refuses_to_start_and_says_why()
    {
        BuiltInCa.OpenOrCreate(Instance());
        var e = Assert.Throws<InvalidOperationException>(() => BuiltInCa.OpenOrCreate(Instance("another passphrase")));
        Assert.Contains("passphrase", e.Message);
        Assert.Contains(CaPassphrase.EnvironmentVariable, e.Message);
    }
}
