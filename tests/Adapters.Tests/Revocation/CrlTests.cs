using CertConnector.Actors.Ports;
using CertConnector.Adapters.Crypto;
using CertConnector.Adapters.Tests.Ca;
using CertConnector.Adapters.Tests.Crypto;
using Org.BouncyCastle.Asn1;
using Org.BouncyCastle.Asn1.X509;
using Org.BouncyCastle.X509;
using Org.BouncyCastle.X509.Extension;

namespace CertConnector.Adapters.Tests.Revocation;

public sealed class CrlTests : IDisposable
{
    private readonly TempDirectory _dir = new();
    private readonly ManualTime _time = new(RevocationTestCa.Start);

    public void Dispose() => _dir.Dispose();

    [Theory]
    [InlineData("ec:p256")]
    [InlineData("rsa:2048")]
    public async Task The_crl_is_signed_by_the_ca_and_lists_revoked_serials_with_their_reasons(string caKey)
    {
        var ca = RevocationTestCa.Open(_dir.Path, _time, caKey);
        var compromised = await RevocationTestCa.IssueAsync(ca, "a");
        var unspecified = await RevocationTestCa.IssueAsync(ca, "b");
        var good = await RevocationTestCa.IssueAsync(ca, "c");
        await ca.RevokeAsync(CertificateIds.SerialHex(compromised.SerialNumber), RevocationReason.KeyCompromise, CancellationToken.None);
        await ca.RevokeAsync(CertificateIds.SerialHex(unspecified.SerialNumber), RevocationReason.Unspecified, CancellationToken.None);

        var document = ca.CurrentCrl();
        var crl = new X509Crl(document.Der);
        crl.Verify(ca.CaCertificate.GetPublicKey());
        Assert.Equal(ca.CaCertificate.SubjectDN, crl.IssuerDN);
        Assert.Equal(RevocationTestCa.Start.UtcDateTime, crl.ThisUpdate);
        Assert.Equal(RevocationTestCa.Start.AddHours(24).UtcDateTime, crl.NextUpdate!.Value);
        Assert.True(crl.IsRevoked(compromised));
        Assert.True(crl.IsRevoked(unspecified));
        Assert.False(crl.IsRevoked(good));
        Assert.Equal(CrlReason.KeyCompromise, Reason(crl.GetRevokedCertificate(compromised.SerialNumber)));
        Assert.Null(crl.GetRevokedCertificate(unspecified.SerialNumber).GetExtensionValue(X509Extensions.ReasonCode)); // RFC 5280: omitted for unspecified

        var aki = AuthorityKeyIdentifier.GetInstance(X509ExtensionUtilities.FromExtensionValue(crl.GetExtensionValue(X509Extensions.AuthorityKeyIdentifier)));
        var ski = SubjectKeyIdentifier.GetInstance(X509ExtensionUtilities.FromExtensionValue(ca.CaCertificate.GetExtensionValue(X509Extensions.SubjectKeyIdentifier)));
        Assert.Equal(ski.GetKeyIdentifier(), aki.KeyIdentifier.GetOctets());
        Assert.Equal(document.Number, CrlNumber(crl));
    }

    [Fact]
    public async Task The_crl_number_grows_on_every_revocation_and_across_restarts()
    {
        var ca = RevocationTestCa.Open(_dir.Path, _time);
        var first = ca.CurrentCrl().Number;
        var certificate = await RevocationTestCa.IssueAsync(ca);
        Assert.Equal(first, ca.CurrentCrl().Number); // issuing changes nothing on the CRL

        await ca.RevokeAsync(CertificateIds.SerialHex(certificate.SerialNumber), RevocationReason.Superseded, CancellationToken.None);
        var afterRevocation = ca.CurrentCrl();
        Assert.True(afterRevocation.Number > first);
        Assert.True(new X509Crl(afterRevocation.Der).IsRevoked(certificate), "re-issued on revocation");

        var reopened = RevocationTestCa.Open(_dir.Path, _time);
        Assert.True(reopened.CurrentCrl().Number > afterRevocation.Number);
        Assert.True(new X509Crl(reopened.CurrentCrl().Der).IsRevoked(certificate));
    }

    [Fact]
    public async Task An_issued_db_from_before_schema_versions_opens_and_keeps_its_certificates_and_crl_number()
    {
        var ca = RevocationTestCa.Open(_dir.Path, _time);
        var certificate = await RevocationTestCa.IssueAsync(ca);
        var path = Path.Combine(_dir.Path, "issued.db");
        // What the previous release left: superseded_by and crl_number present, no schema_versions.
        Microsoft.Data.Sqlite.SqliteConnection.ClearAllPools();
        using (var connection = new Microsoft.Data.Sqlite.SqliteConnection($"Data Source={path}"))
        {
            connection.Open();
            using var rewind = connection.CreateCommand();
            rewind.CommandText = "DROP TABLE schema_versions; INSERT OR REPLACE INTO crl_number (id, last) VALUES (1, 41);";
            rewind.ExecuteNonQuery();
        }
        Microsoft.Data.Sqlite.SqliteConnection.ClearAllPools();

        var reopened = RevocationTestCa.Open(_dir.Path, _time);
        Assert.NotNull(reopened.Store.FindBySerial(CertificateIds.SerialHex(certificate.SerialNumber)));
        Assert.True(reopened.CurrentCrl().Number > 41);
        Assert.Equal(["crl_number=1", "issued_certificates=5", "revocation_generation=1"], SchemaVersions(path));
    }

    private static List<string> SchemaVersions(string path)
    {
        using var connection = new Microsoft.Data.Sqlite.SqliteConnection($"Data Source={path}");
        connection.Open();
        using var query = connection.CreateCommand();
        query.CommandText = "SELECT table_name || '=' || version FROM schema_versions ORDER BY table_name";
        using var reader = query.ExecuteReader();
        var rows = new List<string>();
        while (reader.Read()) rows.Add(reader.GetString(0));
        return rows;
    }

    [Fact]
    public void The_crl_is_reissued_at_half_its_life_not_before()
    {
        var ca = RevocationTestCa.Open(_dir.Path, _time);
        var crl = ca.CurrentCrl();
        _time.Now = RevocationTestCa.Start.AddHours(11);
        Assert.Same(crl, ca.CurrentCrl());
        _time.Now = RevocationTestCa.Start.AddHours(12);
        var next = ca.CurrentCrl();
        Assert.True(next.Number > crl.Number);
        Assert.Equal(_time.Now.AddHours(24), next.NextUpdate);
    }

    private static int Reason(X509CrlEntry entry) =>
        DerEnumerated.GetInstance(X509ExtensionUtilities.FromExtensionValue(entry.GetExtensionValue(X509Extensions.ReasonCode))).IntValueExact;

    private static long CrlNumber(X509Crl crl) =>
        DerInteger.GetInstance(X509ExtensionUtilities.FromExtensionValue(crl.GetExtensionValue(X509Extensions.CrlNumber))).LongValueExact;
}
