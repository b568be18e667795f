using CertConnector.Tests.Postgres;
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
public class SharedCaPostgresTests : IDisposable
{
    private protected readonly SharedDatabase _db = new("sharedca");
    private readonly List<TempDirectory> _dirs = [];

    public virtual void Dispose()
    {
        foreach (var dir in _dirs) dir.Dispose();
        _db.Dispose();
    }

    /// <summary>One more instance's handle on the shared database.</summary>
    private protected virtual StandaloneDatabase OpenInstance() => _db.OpenInstance();

    private BuiltInCaOptions Instance(string passphrase = "cluster passphrase")
    {
        var dir = new TempDirectory();
        _dirs.Add(dir);
        var database = OpenInstance();
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

    [Fact]
    public async Task Of_renewals_of_one_certificate_racing_on_three_instances_exactly_one_is_issued()
    {
        var options = Enumerable.Range(0, 3).Select(_ => Instance()).ToList();
        var cas = options.Select(o => BuiltInCa.OpenOrCreate(o)).ToList();
        var old = await cas[0].IssueAsync(new IssuanceRequest("enroll", "scep", CaTestSupport.Csr().Csr, "scep-device"), default);

        var attempts = await Task.WhenAll(Enumerable.Range(0, 9).Select(i => Task.Run(async () =>
        {
            try
            {
                return (await cas[i % 3].IssueAsync(new IssuanceRequest($"renew-{i}", "scep", CaTestSupport.Csr().Csr, "scep-device",
                    Renews: old.SerialNumber), default)).SerialNumber;
            }
            catch (Actors.Common.ConnectorFailureException e) when (e.Code == ICertificateAuthority.AlreadyRenewedCode)
            {
                return null;
            }
        })));

        var winner = Assert.Single(attempts, a => a is not null);
        Assert.Equal(winner, cas[2].Store.FindBySerial(old.SerialNumber)!.RenewedBy);
        Assert.Equal(2, _db.Scalar("SELECT count(*) FROM issued_certificates")); // the losers recorded nothing
    }

    [Fact]
    public void An_issued_store_created_by_the_previous_version_gains_template_renewed_by_and_ca_and_keeps_its_rows()
    {
        // The previous version's shape, recorded as version 2.
        _db.Scalar("""
            CREATE TABLE schema_versions (table_name TEXT PRIMARY KEY NOT NULL, version BIGINT NOT NULL);
            INSERT INTO schema_versions VALUES ('issued_certificates', 2);
            CREATE TABLE issued_certificates (rowid BIGINT GENERATED BY DEFAULT AS IDENTITY, serial TEXT PRIMARY KEY, subject TEXT NOT NULL,
                request_id TEXT NOT NULL, feature TEXT NOT NULL, status TEXT NOT NULL, not_before TEXT NOT NULL, not_after TEXT NOT NULL,
                thumbprint TEXT NOT NULL, der BYTEA NOT NULL, revoked_at TEXT NULL, revocation_reason TEXT NULL, superseded_by TEXT NULL);
            INSERT INTO issued_certificates (serial, subject, request_id, feature, status, not_before, not_after, thumbprint, der)
                VALUES ('0A', 'CN=old', 'req-old', 'scep', 'issued', '2026-01-01T00:00:00.0000000Z', '2026-02-01T00:00:00.0000000Z', 'AB', '\x01');
            SELECT 0;
            """);

        var starting = Enumerable.Range(0, 3).Select(_ => OpenInstance()).Select(d => Task.Run(() => new IssuedCertificateStore(d))).ToList();
        var stores = starting.Select(t => t.Result).ToList(); // instances starting together migrate once

        var old = stores[0].FindBySerial("0A")!;
        Assert.Equal(("req-old", null, null), (old.RequestId, old.Template, old.RenewedBy));
        Assert.Equal(5, _db.Scalar("SELECT version FROM schema_versions WHERE table_name = 'issued_certificates'"));
        Assert.Equal(3, _db.Scalar("SELECT count(*) FROM information_schema.columns WHERE table_name = 'issued_certificates' AND column_name IN ('template', 'renewed_by', 'ca')"));
        Assert.Equal((true, null), stores[1].FindIssuer("0A")); // a row from before CAs had names is the built-in CA's
    }
}

/// <summary>
/// The shared CA again, each instance through PgBouncer in transaction pooling mode: the lock that lets one instance at a time
/// create or open the CA must not be a session lock, which a pooled server connection would keep for whoever comes next.
/// </summary>
[System.Runtime.Versioning.UnsupportedOSPlatform("windows")]
public sealed class SharedCaThroughPgBouncerTests : SharedCaPostgresTests
{
    private readonly PgBouncer _bouncer = PgBouncer.Start(poolSize: 3);

    private protected override StandaloneDatabase OpenInstance() => _db.OpenInstance(_bouncer);

    public override void Dispose()
    {
        base.Dispose();
        _bouncer.Dispose();
    }
}
