using CertConnector.Actors.Ports;
using CertConnector.Adapters.Ca.BuiltIn;
using CertConnector.Adapters.Crypto;
using CertConnector.Adapters.Tests.Ca;
using CertConnector.Adapters.Tests.Crypto;
using Org.BouncyCastle.X509;

namespace CertConnector.Adapters.Tests.Revocation;

/// <summary>
/// The issued-certificate store records which CA issued a certificate (<c>ca</c>, schema version 5): rows from before it stay the
/// built-in CA's and revocable; rows of other CAs are found for routing but never touched by the built-in CA (revocation, CRL, OCSP).
/// </summary>
public sealed class IssuedStoreCaColumnTests : IDisposable
{
    private readonly TempDirectory _dir = new();
    private readonly ManualTime _time = new(RevocationTestCa.Start);

    public void Dispose() => _dir.Dispose();

    [Fact]
    public async Task A_row_written_before_the_ca_column_is_the_built_in_CAs_and_still_revocable()
    {
        var ca = RevocationTestCa.Open(_dir.Path, _time);
        var old = await RevocationTestCa.IssueAsync(ca, "old");
        var serial = CertificateIds.SerialHex(old.SerialNumber);
        var path = Path.Combine(_dir.Path, "issued.db");
        // What version 4 left: no ca column, recorded as version 4.
        Microsoft.Data.Sqlite.SqliteConnection.ClearAllPools();
        using (var connection = new Microsoft.Data.Sqlite.SqliteConnection($"Data Source={path}"))
        {
            connection.Open();
            using var rewind = connection.CreateCommand();
            rewind.CommandText = "ALTER TABLE issued_certificates DROP COLUMN ca; UPDATE schema_versions SET version = 4 WHERE table_name = 'issued_certificates';";
            rewind.ExecuteNonQuery();
        }
        Microsoft.Data.Sqlite.SqliteConnection.ClearAllPools();

        var reopened = RevocationTestCa.Open(_dir.Path, _time);
        Assert.Equal((true, null), reopened.Store.FindIssuer(serial));
        Assert.Equal(RevocationResult.Revoked, await reopened.RevokeAsync(serial, RevocationReason.KeyCompromise, CancellationToken.None));
        Assert.True(new X509Crl(reopened.CurrentCrl().Der).IsRevoked(old));
    }

    [Fact]
    public async Task Another_CAs_certificate_is_found_under_its_name_and_never_revoked_or_listed_by_the_built_in_CA()
    {
        var ca = RevocationTestCa.Open(_dir.Path, _time);
        using var otherDir = new TempDirectory();
        var other = new IssuedElsewhereRecorder(RevocationTestCa.Open(otherDir.Path, _time), "corp", ca.Store, (_, e) => throw e); // another CA, its own keys
        var (csr, _) = CaTestSupport.Csr();
        var issued = await other.IssueAsync(new IssuanceRequest("corp-1", "pkcs", csr, "client-auth"), CancellationToken.None);

        Assert.Equal((true, "corp"), ca.Store.FindIssuer(issued.SerialNumber));
        Assert.Null(ca.Store.FindBySerial(issued.SerialNumber)); // not the built-in CA's own: OCSP and renewals do not see it
        var refused = await Assert.ThrowsAsync<CertConnector.Actors.Common.ConnectorFailureException>(() =>
            ca.RevokeAsync(issued.SerialNumber, RevocationReason.Unspecified, CancellationToken.None));
        Assert.Equal(ICertificateRevoker.NotFoundCode, refused.Code);
        Assert.False(new X509Crl(ca.CurrentCrl().Der).IsRevoked(new X509Certificate(issued.CertificateDer)));
    }
}
