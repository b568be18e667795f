using CertConnector.Actors.Common;
using CertConnector.Actors.Ports;
using CertConnector.Adapters.Ca.BuiltIn;
using CertConnector.Adapters.Crypto;
using CertConnector.Adapters.Tests.Ca;
using CertConnector.Adapters.Tests.Crypto;

namespace CertConnector.Adapters.Tests.Revocation;

public sealed class CertificateRevokerTests : IDisposable
{
    private readonly TempDirectory _dir = new();
    private readonly ManualTime _time = new(RevocationTestCa.Start);

    public void Dispose() => _dir.Dispose();

    [Fact]
    public async Task Revoke_then_again_is_already_revoked_and_the_first_reason_stays()
    {
        var ca = RevocationTestCa.Open(_dir.Path, _time);
        var serial = CertificateIds.SerialHex((await RevocationTestCa.IssueAsync(ca)).SerialNumber);
        ICertificateRevoker revoker = ca;

        Assert.Equal(RevocationResult.Revoked, await revoker.RevokeAsync(serial.ToLowerInvariant(), RevocationReason.KeyCompromise, CancellationToken.None));
        Assert.Equal(RevocationResult.AlreadyRevoked, await revoker.RevokeAsync("00" + serial, RevocationReason.Superseded, CancellationToken.None));
        var record = ca.Store.FindBySerial(serial)!;
        Assert.Equal(("revoked", "keyCompromise", RevocationTestCa.Start), (record.Status, record.RevocationReason, record.RevokedAt!.Value));
    }

    [Theory]
    [InlineData("0123456789ABCDEF")]
    [InlineData("not hex")]
    [InlineData("")]
    public async Task An_unknown_serial_is_a_final_failure_with_the_not_found_code(string serial)
    {
        var ca = RevocationTestCa.Open(_dir.Path, _time);
        var failure = await Assert.ThrowsAsync<ConnectorFailureException>(() => ca.RevokeAsync(serial, RevocationReason.Unspecified, CancellationToken.None));
        Assert.Equal(ICertificateRevoker.NotFoundCode, failure.Code);
        Assert.False(failure.Retryable);
    }

    [Fact]
    public async Task Superseded_certificates_left_by_a_crash_are_revoked_when_the_ca_opens()
    {
        var ca = RevocationTestCa.Open(_dir.Path, _time);
        var orphan = await RevocationTestCa.IssueAsync(ca, "crashed");
        var current = await RevocationTestCa.IssueAsync(ca, "other");
        // What an earlier version left behind: the store marks the orphan superseded but nothing revoked it.
        ca.Store.Add(new IssuedCertificateRecord("0A0B0C", "CN=later", "crashed", "pkcs", IssuedCertificateRecord.Issued,
            _time.Now, _time.Now.AddDays(30), "00", orphan.GetEncoded()));
        Assert.Single(ca.Store.ListSuperseded());

        var reopened = RevocationTestCa.Open(_dir.Path, _time);
        Assert.Empty(reopened.Store.ListSuperseded());
        var record = reopened.Store.FindBySerial(CertificateIds.SerialHex(orphan.SerialNumber))!;
        Assert.Equal(("revoked", "superseded"), (record.Status, record.RevocationReason));
        Assert.Equal("issued", reopened.Store.FindBySerial(CertificateIds.SerialHex(current.SerialNumber))!.Status);
        Assert.True(new Org.BouncyCastle.X509.X509Crl(reopened.CurrentCrl().Der).IsRevoked(orphan));
    }
}
