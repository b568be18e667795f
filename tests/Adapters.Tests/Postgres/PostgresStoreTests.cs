using CertConnector.Tests.Postgres;
using CertConnector.Actors.Common;
using CertConnector.Actors.Ports;
using CertConnector.Adapters.Ca.BuiltIn;
using CertConnector.Adapters.Service.Standalone;
using CertConnector.Adapters.Tests.Ca;
using CertConnector.Adapters.Tests.Service;

namespace CertConnector.Adapters.Tests.Postgres;

/// <summary>
/// Every store the connector shares between instances, on a real PostgreSQL database of the test's own (tests/run.sh
/// starts PostgreSQL and sets CERTCONNECTOR_PG). Two <see cref="StandaloneDatabase"/> handles on one database stand
/// for two connector instances: what must be one for the whole cluster is checked across them.
/// </summary>
[Trait("Category", "Postgres")]
public class PostgresStoreTests : IDisposable
{
    private protected readonly SharedDatabase _db = new("stores");
    private readonly ManualTimeProvider _clock = new();

    public virtual void Dispose() => _db.Dispose();

    /// <summary>One more instance on the shared database.</summary>
    private protected virtual StandaloneDatabase Instance() => _db.OpenInstance();

    private StandalonePkcsQueue Pkcs(StandaloneDatabase database, string instance) => new(database, TimeSpan.FromMinutes(5), instance, _clock);

    private static PkcsRequest Request(string id) => new(
        id, $"CN={id}", [new SubjectAltName("dns", $"{id}.example.com")], "WiFi", KeySpec.Parse("ec:p256"), [1, 2, 3], "device", null, 30);

    [Fact]
    public async Task The_pkcs_queue_round_trips_every_field_and_completes_once()
    {
        var service = Pkcs(Instance(), "node-a");
        await service.InitializeAsync();
        Assert.True(await service.EnqueueAsync(Request("r1")));
        Assert.False(await service.EnqueueAsync(Request("r1")));

        var downloaded = Assert.Single(await service.DownloadPkcsRequestsAsync(10, default));
        Assert.Equal("r1", downloaded.RequestId);
        Assert.Equal(30, downloaded.ValidityDays);
        Assert.Equal([1, 2, 3], downloaded.DeviceCertificate);
        Assert.Equal(QueueStatus.Leased, (await service.GetAsync("r1"))!.Status);
        Assert.Equal((0, 1), (await service.CountAsync(QueueStatus.Queued, default), await service.CountAsync(QueueStatus.Leased, default)));

        // A failure result has NULL bytes: plain VALUES lets PostgreSQL type them from the columns.
        var failed = new PkcsResult("r1", false, ErrorCode: "CaRejected", ErrorMessage: "no");
        Assert.Equal(new UploadSummary(1, 0, 0), await service.UploadResultsAsync([failed]));
        Assert.Equal(new UploadSummary(0, 1, 0), await service.UploadResultsAsync([failed]));
        Assert.Equal(new UploadSummary(0, 0, 1), await service.UploadResultsAsync([failed with { RequestId = "nope" }]));

        var record = (await service.GetAsync("r1"))!;
        Assert.Equal(QueueStatus.Failed, record.Status);
        Assert.Equal(2, record.UploadCount);
        Assert.Equal("CaRejected", record.Result!.ErrorCode);
        Assert.Single(await service.ListAsync(QueueStatus.Failed, 10, default));
        Assert.Equal((1, 0), (await service.CountAsync(QueueStatus.Failed, default), await service.CountAsync(QueueStatus.Leased, default)));
        Assert.Empty(await service.DownloadPkcsRequestsAsync(10, default));
        Assert.True(await service.EnqueueAsync(Request("r2")));
        Assert.Equal(new QueueStatistics(1, 0, 0, 1, null, _clock.GetUtcNow(), 0), await service.StatisticsAsync(default)); // PostgreSQL's sums are numeric
    }

    [Fact]
    public async Task Two_instances_downloading_at_once_never_take_the_same_request()
    {
        var a = Pkcs(Instance(), "node-a");
        var b = Pkcs(Instance(), "node-b");
        await a.InitializeAsync();
        await b.InitializeAsync();
        for (var i = 0; i < 60; i++) await a.EnqueueAsync(Request($"q{i:D2}"));

        var batches = await Task.WhenAll(Enumerable.Range(0, 12).Select(i => Task.Run(() => (i % 2 == 0 ? a : b).DownloadPkcsRequestsAsync(7, default))));

        var ids = batches.SelectMany(batch => batch.Select(r => r.RequestId)).ToList();
        Assert.Equal(60, ids.Count);
        Assert.Equal(60, ids.Distinct().Count());
        Assert.Equal(60, _db.Scalar("SELECT count(*) FROM pkcs_requests WHERE delivery_count = 1"));
    }

    [Fact]
    public async Task Leases_of_one_instance_are_released_without_touching_another_instances()
    {
        var a = Pkcs(Instance(), "node-a");
        var b = Pkcs(Instance(), "node-b");
        await a.InitializeAsync();
        await a.EnqueueAsync(Request("held-by-a"));
        await a.DownloadPkcsRequestsAsync(1, default);
        await a.EnqueueAsync(Request("held-by-b"));
        await b.DownloadPkcsRequestsAsync(1, default);

        Assert.Equal(1, await a.ReleaseLeasesOfAsync("node-a"));

        Assert.Equal("held-by-a", Assert.Single(await b.DownloadPkcsRequestsAsync(10, default)).RequestId);
        Assert.Equal(QueueStatus.Leased, (await a.GetAsync("held-by-b"))!.Status);
    }

    [Fact]
    public async Task The_revocation_queue_leases_and_stores_each_result_once()
    {
        var queue = new StandaloneRevocationQueue(Instance(), TimeSpan.FromMinutes(5), "node-a", _clock);
        await queue.InitializeAsync();
        Assert.True(await queue.EnqueueAsync(new RevocationRequest("v1", "0A0B", RevocationReason.KeyCompromise, null), "pkcs-1"));
        Assert.False(await queue.EnqueueAsync(new RevocationRequest("v1", "0A0B", RevocationReason.KeyCompromise, null), null));
        Assert.Equal("v1", Assert.Single(await queue.DownloadRevocationRequestsAsync(5, default)).RequestId);

        var result = new RevocationRequestResult("v1", true, null, null);
        await queue.UploadRevocationResultsAsync([result, result, result with { RequestId = "unknown" }], default);

        var record = (await queue.GetAsync("v1"))!;
        Assert.Equal(QueueStatus.Completed, record.Status);
        Assert.Equal(2, record.UploadCount);
        Assert.Equal("pkcs-1", record.Request.PkcsRequestId);
        Assert.Equal(0, _db.Scalar("SELECT count(*) FROM revocation_results WHERE request_id = 'unknown'"));
    }

    [Fact]
    public async Task A_challenge_is_one_time_across_instances_and_only_its_own_retransmission_passes_again()
    {
        var a = new StandaloneScepChallenges(Instance(), _clock);
        var b = new StandaloneScepChallenges(Instance(), _clock);
        var minted = await a.MintAsync("CN=device-1", [new SubjectAltName("dns", "device-1.example.com")], TimeSpan.FromHours(1));
        var csr = CaTestSupport.Csr(subject: "CN=device-1", sans: new SubjectAltName("dns", "device-1.example.com")).Csr;

        var verdicts = await Task.WhenAll(Enumerable.Range(0, 10).Select(i => Task.Run(() =>
            (i % 2 == 0 ? a : b).ValidateAsync(new ScepValidationRequest($"tx-{i}", csr, minted.Challenge, "192.0.2.1"), default))));

        Assert.Single(verdicts, v => v.Valid);
        Assert.All(verdicts.Where(v => !v.Valid), v => Assert.Equal("ChallengeAlreadyUsed", v.Code));
        var winner = Assert.Single(await b.ListChallengesAsync(10)).UsedByTransactionId!;
        // The winner's retransmission passes on the other instance (a device behind a load balancer); a new key does not.
        Assert.True((await b.ValidateAsync(new ScepValidationRequest(winner, csr, minted.Challenge, "192.0.2.1"), default)).Valid);
        var otherKey = CaTestSupport.Csr(subject: "CN=device-1", sans: new SubjectAltName("dns", "device-1.example.com")).Csr;
        Assert.Equal("ChallengeAlreadyUsed", (await a.ValidateAsync(new ScepValidationRequest(winner, otherKey, minted.Challenge, "192.0.2.1"), default)).Code);
        Assert.Equal(0, _db.Scalar($"SELECT count(*) FROM scep_challenges WHERE challenge_hash = '{minted.Challenge}'"));
    }

    [Fact]
    public async Task Notifications_from_two_instances_keep_one_row_per_transaction_and_count_every_repeat()
    {
        var a = new StandaloneScepNotifications(Instance(), _clock);
        var b = new StandaloneScepNotifications(Instance(), _clock);
        var notification = new ScepNotification("tx-9", [], true, "caller", "AB", "0A", _clock.GetUtcNow().AddDays(30), "CN=CA", null, null);
        var failure = notification with { TransactionId = "tx-10", Succeeded = false, CertificateThumbprint = null, CertificateSerialNumber = null,
            CertificateExpirationDateUtc = null, HResult = -2146885628, ErrorDescription = "denied" };

        await Task.WhenAll(Enumerable.Range(0, 8).Select(i => (i % 2 == 0 ? a : b).NotifyAsync(notification, default)));
        await b.NotifyAsync(failure, default);

        var stored = (await a.GetAsync("tx-9"))!;
        Assert.Equal(8, stored.NotifyCount);
        Assert.Equal("0A", stored.Notification.CertificateSerialNumber);
        Assert.Equal(-2146885628, (await a.GetAsync("tx-10"))!.Notification.HResult);
        // Same received_at: insertion order (PostgreSQL's rowid column) breaks the tie, newest first, as on SQLite.
        Assert.Equal(["tx-10", "tx-9"], (await b.ListAsync(10)).Select(n => n.Notification.TransactionId));
        Assert.Equal(new QueueStatistics(0, 0, 1, 1, _clock.GetUtcNow(), _clock.GetUtcNow(), 7), await a.StatisticsAsync());
    }

    [Fact]
    public async Task Issued_certificates_and_crl_numbers_are_one_for_every_instance()
    {
        var a = new IssuedCertificateStore(Instance());
        var b = new IssuedCertificateStore(Instance());
        var t0 = new DateTimeOffset(2026, 1, 1, 0, 0, 0, TimeSpan.Zero);
        IssuedCertificateRecord Record(string serial, string request) =>
            new(serial, "CN=x", request, "pkcs", IssuedCertificateRecord.Issued, t0, t0.AddDays(30), "T" + serial, [1, 2, 3]);

        a.Add(Record("01", "req-a"));
        b.Add(Record("02", "req-a")); // the same request issued again on another instance supersedes the first
        var duplicate = Assert.ThrowsAny<Exception>(() => b.Add(Record("01", "req-b")));
        Assert.True(StandaloneDatabase.IsUniqueViolation(duplicate));

        Assert.Equal("02", a.FindBySerial("01")!.SupersededBy);
        Assert.Equal("02", b.FindByRequestId("req-a")!.SerialNumber);
        Assert.Equal(["01", "02"], a.ListByRequestId("req-a").Select(r => r.SerialNumber));
        Assert.Equal(RevocationOutcome.Revoked, b.Revoke("01", "superseded", t0.AddDays(1)));
        Assert.Equal(RevocationOutcome.AlreadyRevoked, a.Revoke("01", "superseded", t0.AddDays(1)));
        Assert.Equal("01", Assert.Single(a.ListRevoked()).SerialNumber);

        // Many callers on two instances at once: every CRL number is taken once, with no gap.
        var numbersA = new CrlNumbers(Instance());
        var numbersB = new CrlNumbers(Instance());
        var numbers = await Task.WhenAll(Enumerable.Range(0, 40).Select(i => Task.Run(() => (i % 2 == 0 ? numbersA : numbersB).Next())));
        Assert.Equal(Enumerable.Range(1, 40).Select(n => (long)n), numbers.Order());
    }

    [Fact]
    public async Task Two_instances_uploading_one_result_at_once_store_it_once_and_count_every_repeat()
    {
        var a = Pkcs(Instance(), "node-a");
        var b = Pkcs(Instance(), "node-b");
        await a.InitializeAsync();
        await a.EnqueueAsync(Request("u1"));
        await a.DownloadPkcsRequestsAsync(1, default);
        var result = new PkcsResult("u1", false, ErrorCode: "CaRejected", ErrorMessage: "no");

        var summaries = await Task.WhenAll(Enumerable.Range(0, 10).Select(i => Task.Run(() => (i % 2 == 0 ? a : b).UploadResultsAsync([result]))));

        Assert.Equal(1, summaries.Sum(s => s.Stored));
        Assert.Equal(9, summaries.Sum(s => s.Duplicates));
        Assert.Equal(10, (await b.GetAsync("u1"))!.UploadCount);
    }

    [Fact]
    public async Task A_retransmission_racing_its_first_attempt_on_two_instances_passes_everywhere()
    {
        var a = new StandaloneScepChallenges(Instance(), _clock);
        var b = new StandaloneScepChallenges(Instance(), _clock);
        var minted = await a.MintAsync("CN=device-2", [new SubjectAltName("dns", "device-2.example.com")], TimeSpan.FromHours(1));
        var csr = CaTestSupport.Csr(subject: "CN=device-2", sans: new SubjectAltName("dns", "device-2.example.com")).Csr;

        // The challenge's row is held while the attempts start, so they all read it unused and then meet at the row.
        await using var holder = new Npgsql.NpgsqlConnection(_db.Database.ConnectionString);
        await holder.OpenAsync();
        await using var held = await holder.BeginTransactionAsync();
        await using (var hold = new Npgsql.NpgsqlCommand("SELECT 1 FROM scep_challenges FOR UPDATE", holder, held)) await hold.ExecuteNonQueryAsync();
        var attempts = Enumerable.Range(0, 8).Select(i => Task.Run(() =>
            (i % 2 == 0 ? a : b).ValidateAsync(new ScepValidationRequest("tx-same", csr, minted.Challenge, "192.0.2.1"), default))).ToList();
        await Task.Delay(500);
        await held.CommitAsync();
        var verdicts = await Task.WhenAll(attempts);

        Assert.All(verdicts, v => Assert.True(v.Valid, v.Description));
        Assert.Equal("tx-same", Assert.Single(await b.ListChallengesAsync(10)).UsedByTransactionId);
    }

    [Fact]
    public async Task Certificates_for_one_request_added_at_once_on_two_instances_leave_exactly_one_current()
    {
        var a = new IssuedCertificateStore(Instance());
        var b = new IssuedCertificateStore(Instance());
        var t0 = new DateTimeOffset(2026, 1, 1, 0, 0, 0, TimeSpan.Zero);

        await Task.WhenAll(Enumerable.Range(1, 16).Select(i => Task.Run(() => (i % 2 == 0 ? a : b).AddAsync(
            new($"{i:X2}", "CN=x", "req-race", "pkcs", IssuedCertificateRecord.Issued, t0, t0.AddDays(30), $"T{i}", [1]), default))));

        Assert.Equal(16, a.ListByRequestId("req-race").Count);
        Assert.Single(a.ListByRequestId("req-race"), r => r.SupersededBy is null);
    }

    /// <summary>
    /// No write holds a lock wider than its rows: a validation stalled on a challenge row another transaction holds (as when an
    /// instance stalls mid-write) does not stop another instance's queue writes, and a download passes over a row being
    /// leased elsewhere. With one database-wide write lock, the stalled validation held it and everything below waited.
    /// </summary>
    [Fact]
    public async Task A_stalled_writer_on_one_instance_holds_up_no_other_instances_writes()
    {
        var challenges = new StandaloneScepChallenges(Instance(), _clock);
        var minted = await challenges.MintAsync("CN=device-3", [], TimeSpan.FromHours(1));
        var csr = CaTestSupport.Csr(subject: "CN=device-3").Csr;
        var queue = Pkcs(Instance(), "node-b");
        await queue.InitializeAsync();
        for (var i = 0; i < 5; i++) await queue.EnqueueAsync(Request($"s{i}"));

        await using var stall = new Npgsql.NpgsqlConnection(_db.Database.ConnectionString);
        await stall.OpenAsync();
        await using var held = await stall.BeginTransactionAsync();
        await using (var lockRows = new Npgsql.NpgsqlCommand(
            "SELECT 1 FROM scep_challenges FOR UPDATE; SELECT 1 FROM pkcs_requests WHERE request_id = 's0' FOR UPDATE", stall, held))
            await lockRows.ExecuteNonQueryAsync();
        var stalled = Task.Run(() => challenges.ValidateAsync(new ScepValidationRequest("tx-3", csr, minted.Challenge, "192.0.2.1"), default));
        await Task.Delay(300);
        Assert.False(stalled.IsCompleted);

        // Bounded so a regression fails here instead of hanging the run (this is a deadlock check, not a timing goal).
        using var bound = new CancellationTokenSource(TimeSpan.FromSeconds(20));
        Assert.True(await queue.EnqueueAsync(Request("s5"), bound.Token));
        var leased = await queue.DownloadPkcsRequestsAsync(10, bound.Token);
        Assert.Equal(["s1", "s2", "s3", "s4", "s5"], leased.Select(r => r.RequestId).Order());
        Assert.Equal(new UploadSummary(1, 0, 0), await queue.UploadResultsAsync([new PkcsResult("s1", false, ErrorCode: "x", ErrorMessage: "y")], bound.Token));
        Assert.False(stalled.IsCompleted);

        await held.CommitAsync();
        Assert.True((await stalled).Valid);
        Assert.Equal("s0", Assert.Single(await queue.DownloadPkcsRequestsAsync(10, default)).RequestId);
    }

    [Fact]
    public async Task Tables_are_created_once_when_instances_start_together_and_a_second_start_changes_nothing()
    {
        var starts = Enumerable.Range(0, 4).Select(_ => Pkcs(Instance(), "node")).ToList();
        await Task.WhenAll(starts.Select(s => s.InitializeAsync()));
        await Pkcs(Instance(), "node").InitializeAsync();
        Assert.Equal(1, _db.Scalar("SELECT count(*) FROM schema_versions WHERE table_name = 'pkcs_requests'"));
        Assert.Equal(1, _db.Scalar("SELECT count(*) FROM information_schema.tables WHERE table_name = 'pkcs_requests'"));
        // Created at the newest shape: the column SQLite files gained by migration is there from the start.
        Assert.Equal(1, _db.Scalar("SELECT count(*) FROM information_schema.columns WHERE table_name = 'pkcs_requests' AND column_name = 'leased_by'"));
    }

    [Fact]
    public async Task An_unreachable_server_is_a_transient_store_failure_that_names_no_password()
    {
        var handle = StandaloneDatabase.Postgres("Host=127.0.0.1;Port=1;Database=x;Username=u;Password=secret-pw;Timeout=2");
        _db.Track(handle);
        var failure = await Assert.ThrowsAsync<ConnectorFailureException>(() => Pkcs(handle, "n").InitializeAsync());
        Assert.Equal(StandaloneDatabase.FailureCode, failure.Code);
        Assert.True(failure.Retryable);
        Assert.Contains("127.0.0.1:1", failure.Message);
        Assert.DoesNotContain("secret-pw", failure.Message);
    }
}

/// <summary>
/// Every test above again, each instance's connections through PgBouncer in transaction pooling mode with three server
/// connections in all: a server connection is an instance's only for one transaction, so nothing may rely on a session
/// (session advisory locks, prepared statements, SET). That is how 100 instances share a stock PostgreSQL (docs/CLUSTERING.md).
/// </summary>
public sealed class PostgresStoreThroughPgBouncerTests : PostgresStoreTests
{
    private readonly PgBouncer _bouncer = PgBouncer.Start(poolSize: 3);

    private protected override StandaloneDatabase Instance() => _db.OpenInstance(_bouncer);

    public override void Dispose()
    {
        base.Dispose();
        _bouncer.Dispose();
    }
}
