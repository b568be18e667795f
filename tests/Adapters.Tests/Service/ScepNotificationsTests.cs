using CertConnector.Actors.Common;
using CertConnector.Actors.Ports;
using CertConnector.Adapters.Service.Standalone;

namespace CertConnector.Adapters.Tests.Service;

public sealed class ScepNotificationsTests : ScepStoreFixture
{
    private StandaloneScepNotifications Open(string? path = null) => new(OpenDatabase(path), Clock);

    private static ScepNotification Success(string transactionId, string thumbprint = "0A1B2C") => new(
        transactionId, [0x30, 0x82, 0x01, 0x02], true, "192.0.2.10 (device-1)",
        CertificateThumbprint: thumbprint, CertificateSerialNumber: "7F01",
        CertificateExpirationDateUtc: new DateTimeOffset(2026, 3, 1, 12, 30, 0, TimeSpan.Zero),
        IssuingCertificateAuthority: "CN=Connector CA");

    private static ScepNotification Failure(string transactionId, string description) => new(
        transactionId, [0x30, 0x00], false, "192.0.2.11", HResult: unchecked((int)0x80094800), ErrorDescription: description);

    [Fact]
    public async Task Statistics_count_successes_failures_their_last_times_and_repeats()
    {
        var notifications = Open();
        Assert.Equal(new QueueStatistics(0, 0, 0, 0, null, null, 0), await notifications.StatisticsAsync());
        await notifications.NotifyAsync(Success("tx-1"), default);
        Clock.Advance(TimeSpan.FromMinutes(1));
        await notifications.NotifyAsync(Failure("tx-2", "Denied."), default);
        await notifications.NotifyAsync(Failure("tx-2", "Denied."), default); // a retry after a lost answer
        var failedAt = Clock.GetUtcNow();
        Clock.Advance(TimeSpan.FromMinutes(1));
        await notifications.NotifyAsync(Failure("tx-3", "Denied."), default);
        await notifications.NotifyAsync(Success("tx-3"), default); // asked again and granted: the success holds, dated by its first notification

        Assert.Equal(new QueueStatistics(0, 0, Completed: 2, Failed: 1, Clock.GetUtcNow(), failedAt, Redeliveries: 2), await notifications.StatisticsAsync());
    }

    [Fact]
    public async Task A_notification_is_stored_with_every_field()
    {
        var notifications = Open();
        var sent = Success("tx-1");
        await notifications.NotifyAsync(sent, default);

        var stored = await notifications.GetAsync("tx-1");
        Assert.NotNull(stored);
        Assert.Equal(sent.TransactionId, stored.Notification.TransactionId);
        Assert.Empty(stored.Notification.CsrDer); // never stored
        Assert.True(stored.Notification.Succeeded);
        Assert.Equal(sent.CallerInfo, stored.Notification.CallerInfo);
        Assert.Equal(sent.CertificateThumbprint, stored.Notification.CertificateThumbprint);
        Assert.Equal(sent.CertificateSerialNumber, stored.Notification.CertificateSerialNumber);
        Assert.Equal(sent.CertificateExpirationDateUtc, stored.Notification.CertificateExpirationDateUtc);
        Assert.Equal(sent.IssuingCertificateAuthority, stored.Notification.IssuingCertificateAuthority);
        Assert.Null(stored.Notification.HResult);
        Assert.Null(stored.Notification.ErrorDescription);
        Assert.Equal(Clock.GetUtcNow(), stored.ReceivedAt);
        Assert.Equal(1, stored.NotifyCount);

        var failure = Failure("tx-2", "Denied by policy.");
        await notifications.NotifyAsync(failure, default);
        var storedFailure = (await notifications.GetAsync("tx-2"))!.Notification;
        Assert.False(storedFailure.Succeeded);
        Assert.Equal(failure.HResult, storedFailure.HResult);
        Assert.Equal("Denied by policy.", storedFailure.ErrorDescription);
        Assert.Null(storedFailure.CertificateThumbprint);
        Assert.Null(storedFailure.CertificateExpirationDateUtc);

        Assert.Null(await notifications.GetAsync("tx-unknown"));
    }

    [Fact]
    public async Task A_success_after_a_failure_of_the_same_transaction_replaces_it_and_no_failure_replaces_a_success()
    {
        var notifications = Open();
        await notifications.NotifyAsync(Failure("tx-1", "RenewalRefused: too early"), default);
        await notifications.NotifyAsync(Success("tx-1", thumbprint: "RENEWED"), default); // the request asked again and decided afresh
        var stored = (await notifications.GetAsync("tx-1"))!;
        Assert.Equal((true, "RENEWED", null, 2), (stored.Notification.Succeeded, stored.Notification.CertificateThumbprint, stored.Notification.ErrorDescription,
            stored.NotifyCount));

        await notifications.NotifyAsync(Failure("tx-1", "someone else's refusal"), default);
        stored = (await notifications.GetAsync("tx-1"))!;
        Assert.Equal((true, "RENEWED", 3), (stored.Notification.Succeeded, stored.Notification.CertificateThumbprint, stored.NotifyCount));
    }

    [Fact]
    public async Task Repeats_for_one_transaction_keep_the_first_and_are_counted()
    {
        var notifications = Open();
        await notifications.NotifyAsync(Success("tx-1", thumbprint: "FIRST"), default);
        var firstReceived = Clock.GetUtcNow();
        Clock.Advance(TimeSpan.FromMinutes(1));
        await notifications.NotifyAsync(Success("tx-1", thumbprint: "SECOND"), default);
        await notifications.NotifyAsync(Failure("tx-1", "late failure"), default);

        var stored = await notifications.GetAsync("tx-1");
        Assert.NotNull(stored);
        Assert.Equal("FIRST", stored.Notification.CertificateThumbprint);
        Assert.True(stored.Notification.Succeeded);
        Assert.Equal(firstReceived, stored.ReceivedAt);
        Assert.Equal(3, stored.NotifyCount);
        Assert.Single(await notifications.ListAsync(10));
    }

    [Fact]
    public async Task Concurrent_repeats_from_two_instances_store_one_row_and_count_all()
    {
        var a = Open();
        var b = Open();
        await Task.WhenAll(Enumerable.Range(0, 10).Select(i => Task.Run(() => (i % 2 == 0 ? a : b).NotifyAsync(Success("tx-1"), default))));

        Assert.Equal(10, Assert.Single(await b.ListAsync(10)).NotifyCount);
    }

    [Fact]
    public async Task A_long_error_description_is_cut_to_255_characters_without_splitting_a_surrogate_pair()
    {
        var notifications = Open();
        await notifications.NotifyAsync(Failure("tx-long", new string('x', 300)), default);
        await notifications.NotifyAsync(Failure("tx-exact", new string('y', 255)), default);
        await notifications.NotifyAsync(Failure("tx-emoji", new string('z', 254) + "\U0001F512 tail"), default);

        Assert.Equal(new string('x', 255), (await notifications.GetAsync("tx-long"))!.Notification.ErrorDescription);
        Assert.Equal(new string('y', 255), (await notifications.GetAsync("tx-exact"))!.Notification.ErrorDescription);
        Assert.Equal(new string('z', 254), (await notifications.GetAsync("tx-emoji"))!.Notification.ErrorDescription);
    }

    [Fact]
    public async Task List_is_newest_first_and_limited()
    {
        var notifications = Open();
        foreach (var id in new[] { "tx-a", "tx-b", "tx-c" })
        {
            await notifications.NotifyAsync(Success(id), default);
            Clock.Advance(TimeSpan.FromSeconds(1));
        }

        Assert.Equal(["tx-c", "tx-b"], (await notifications.ListAsync(2)).Select(n => n.Notification.TransactionId));
        Assert.Empty(await notifications.ListAsync(0));
    }

    [Fact]
    public async Task Notifications_survive_a_reopen_and_stay_idempotent()
    {
        var sent = Success("tx-1");
        await Open().NotifyAsync(sent, default);
        CloseAll();

        var reopened = Open();
        await reopened.NotifyAsync(Success("tx-1", thumbprint: "OTHER"), default);
        var stored = await reopened.GetAsync("tx-1");
        Assert.NotNull(stored);
        Assert.Equal(sent.CertificateThumbprint, stored.Notification.CertificateThumbprint);
        Assert.Empty(stored.Notification.CsrDer); // never stored
        Assert.Equal(2, stored.NotifyCount);
    }

    [Fact]
    public async Task Challenges_and_notifications_share_one_database_file()
    {
        var database = OpenDatabase();
        var challenges = new StandaloneScepChallenges(database, Clock);
        var notifications = new StandaloneScepNotifications(database, Clock);
        await challenges.InitializeAsync();
        await notifications.InitializeAsync();
        await challenges.MintAsync("CN=device-1", [], TimeSpan.FromHours(1));
        await notifications.NotifyAsync(Success("tx-1"), default);

        Assert.Single(await challenges.ListChallengesAsync(10));
        Assert.Single(await notifications.ListAsync(10));
        Assert.Single(Directory.GetFiles(Dir, "*.db"));
    }

    [Fact]
    public async Task An_unusable_database_is_a_transient_store_failure()
    {
        Directory.CreateDirectory(Path.Combine(Dir, "is-a-directory"));
        var notifications = Open(Path.Combine(Dir, "is-a-directory"));

        var failure = await Assert.ThrowsAsync<ConnectorFailureException>(() => notifications.NotifyAsync(Success("tx-1"), default));
        Assert.Equal(StandaloneDatabase.FailureCode, failure.Code);
        Assert.True(failure.Retryable);
    }
}
