using CertConnector.Adapters.Ca.BuiltIn;
using CertConnector.Adapters.Tests.Crypto;

namespace CertConnector.Adapters.Tests.Ca;

public class IssuedCertificateStoreTests : IDisposable
{
    private readonly TempDirectory _dir = new();

    public void Dispose() => _dir.Dispose();

    private static IssuedCertificateRecord Record(string serial, string requestId, DateTimeOffset notBefore) =>
        new(serial, "CN=x", requestId, "pkcs", IssuedCertificateRecord.Issued, notBefore, notBefore.AddDays(30), "AB" + serial, [1, 2, 3]);

    [Fact]
    public void A_later_certificate_for_the_same_request_supersedes_the_earlier_one_of_that_feature_only()
    {
        var store = new IssuedCertificateStore(_dir.File("issued.db"));
        var t0 = new DateTimeOffset(2026, 1, 1, 0, 0, 0, TimeSpan.Zero);
        store.Add(Record("01", "req-a", t0));
        store.Add(Record("02", "req-a", t0) with { Feature = "scep" });
        store.Add(Record("03", "req-a", t0.AddHours(1)));

        Assert.Equal("03", store.FindBySerial("01")!.SupersededBy);
        Assert.Null(store.FindBySerial("02")!.SupersededBy); // another feature's request with the same ID
        Assert.Null(store.FindBySerial("03")!.SupersededBy);
        Assert.Equal(["01"], store.ListSuperseded().Select(r => r.SerialNumber));
    }

    [Fact]
    public void A_store_written_before_superseded_tracking_is_migrated_and_keeps_its_rows()
    {
        var path = _dir.File("old.db");
        using (var connection = new Microsoft.Data.Sqlite.SqliteConnection($"Data Source={path}"))
        {
            connection.Open();
            using var create = connection.CreateCommand();
            create.CommandText = """
                CREATE TABLE issued_certificates (serial TEXT PRIMARY KEY, subject TEXT NOT NULL, request_id TEXT NOT NULL,
                    feature TEXT NOT NULL, status TEXT NOT NULL CHECK (status IN ('issued', 'revoked')), not_before TEXT NOT NULL,
                    not_after TEXT NOT NULL, thumbprint TEXT NOT NULL, der BLOB NOT NULL, revoked_at TEXT NULL, revocation_reason TEXT NULL);
                INSERT INTO issued_certificates VALUES ('0A', 'CN=old', 'req-old', 'pkcs', 'issued', '2026-01-01T00:00:00.0000000Z',
                    '2026-02-01T00:00:00.0000000Z', 'AB', x'01', NULL, NULL);
                """;
            create.ExecuteNonQuery();
        }
        Microsoft.Data.Sqlite.SqliteConnection.ClearAllPools();

        var store = new IssuedCertificateStore(path);
        Assert.Equal("req-old", store.FindBySerial("0A")!.RequestId);
        store.Add(Record("0B", "req-old", DateTimeOffset.UtcNow));
        Assert.Equal("0B", store.FindBySerial("0A")!.SupersededBy);
    }

    [Fact]
    public void Add_find_list_and_revoke()
    {
        var store = new IssuedCertificateStore(_dir.File("issued.db"));
        var t0 = new DateTimeOffset(2026, 1, 1, 0, 0, 0, TimeSpan.Zero);
        store.Add(Record("01", "req-a", t0));
        store.Add(Record("02", "req-b", t0.AddHours(1)));
        store.Add(Record("03", "req-a", t0.AddHours(2)));

        var found = store.FindBySerial("02")!;
        Assert.Equal(Record("02", "req-b", t0.AddHours(1)) with { Der = found.Der }, found);
        Assert.Equal([1, 2, 3], found.Der);
        Assert.Null(store.FindBySerial("99"));
        Assert.Equal("02", store.FindBySerial("00:02")?.SerialNumber);
        Assert.Equal("03", store.FindByRequestId("req-a")!.SerialNumber);
        Assert.Null(store.FindByRequestId("nope"));
        Assert.Equal(["03", "02"], store.List(2).Select(r => r.SerialNumber));

        Assert.Equal(RevocationOutcome.Revoked, store.Revoke("02", "keyCompromise", t0.AddDays(1)));
        Assert.Equal(RevocationOutcome.AlreadyRevoked, store.Revoke("02", "keyCompromise", t0.AddDays(2)));
        Assert.Equal(RevocationOutcome.NotFound, store.Revoke("99", "unspecified", t0));
        var revoked = store.FindBySerial("02")!;
        Assert.Equal((IssuedCertificateRecord.Revoked, t0.AddDays(1), "keyCompromise"), (revoked.Status, revoked.RevokedAt!.Value, revoked.RevocationReason));
        Assert.Equal(["02"], store.ListRevoked().Select(r => r.SerialNumber));
    }

    [Fact]
    public void Duplicate_serial_is_refused_and_data_survives_reopening()
    {
        var path = _dir.File("issued.db");
        var store = new IssuedCertificateStore(path);
        store.Add(Record("0A", "r", DateTimeOffset.UnixEpoch));
        Assert.Throws<Microsoft.Data.Sqlite.SqliteException>(() => store.Add(Record("0A", "other", DateTimeOffset.UnixEpoch)));
        Assert.Equal("r", new IssuedCertificateStore(path).FindBySerial("0A")!.RequestId);
    }

    [Fact]
    public async Task Concurrent_adds_from_many_threads_all_land()
    {
        var store = new IssuedCertificateStore(_dir.File("issued.db"));
        await Task.WhenAll(Enumerable.Range(0, 8).Select(t => Task.Run(() =>
        {
            for (var i = 0; i < 25; i++) store.Add(Record($"{t:X2}{i:X2}", $"r{t}-{i}", DateTimeOffset.UnixEpoch));
        })));
        Assert.Equal(200, store.List(1000).Count);
    }
}
