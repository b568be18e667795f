using CertConnector.Actors.Common;
using CertConnector.Actors.Ports;
using CertConnector.Adapters.Scep.Client;
using CertConnector.Adapters.Service.Standalone;
using Microsoft.Data.Sqlite;
using Org.BouncyCastle.Crypto;
using Org.BouncyCastle.Crypto.Generators;
using Org.BouncyCastle.Pkcs;
using Org.BouncyCastle.Security;

namespace CertConnector.Adapters.Tests.Service;

/// <summary>The notification store keeps what a CSR asked for, never the CSR (its challengePassword is the challenge).</summary>
public sealed class ScepNotificationsCsrTests : ScepStoreFixture
{
    private const string Subject = "CN=device-7"; // one RDN: ScepClient.CreateCsr encodes RDNs in the order typed
    private static readonly SubjectAltName[] Sans = [new("dns", "device-7.contoso.com"), new("ip", "192.0.2.7")];

    private static AsymmetricCipherKeyPair NewKey()
    {
        var generator = new RsaKeyPairGenerator();
        generator.Init(new KeyGenerationParameters(new SecureRandom(), 2048));
        return generator.GenerateKeyPair();
    }

    private static string KeyHash(byte[] csr) => Convert.ToHexStringLower(System.Security.Cryptography.SHA256.HashData(
        new Pkcs10CertificationRequest(csr).GetCertificationRequestInfo().SubjectPublicKeyInfo.GetDerEncoded()));

    private IEnumerable<string> DatabaseFiles => Directory.GetFiles(Dir);

    [Fact]
    public async Task A_notification_keeps_subject_SANs_and_key_hash_and_the_files_never_hold_the_challenge()
    {
        const string challenge = "ChallengeInTheCsr0123456";
        var csr = ScepClient.CreateCsr(NewKey(), Subject, challenge, sans: Sans);
        var notifications = new StandaloneScepNotifications(OpenDatabase(), Clock);

        await notifications.NotifyAsync(new ScepNotification("tx-1", csr, true, "192.0.2.7", "AB", "01"), default);

        var stored = (await notifications.GetAsync("tx-1"))!;
        Assert.Equal(Subject, stored.SubjectName);
        Assert.Equal(Sans, stored.SubjectAlternativeNames);
        Assert.Equal(KeyHash(csr), stored.PublicKeySha256);
        Assert.Empty(stored.Notification.CsrDer);
        Assert.Empty(SecretScan.Find(DatabaseFiles, [challenge])); // WAL still holding the write
        CloseAll();
        Assert.Empty(SecretScan.Find(DatabaseFiles, [challenge])); // after the checkpoint
    }

    [Fact]
    public async Task An_unreadable_CSR_is_stored_with_an_empty_summary_rather_than_failing_forever()
    {
        var notifications = new StandaloneScepNotifications(OpenDatabase(), Clock);
        await notifications.NotifyAsync(new ScepNotification("tx-bad", [0x30, 0x03, 0x02, 0x01, 0x00], false, "x", ErrorDescription: "BadCsr"), default);

        var stored = (await notifications.GetAsync("tx-bad"))!;
        Assert.Equal(("", 0, null), (stored.SubjectName, stored.SubjectAlternativeNames!.Count, stored.PublicKeySha256));
        Assert.Equal("BadCsr", stored.Notification.ErrorDescription);
    }

    [Fact]
    public async Task A_database_that_kept_whole_CSRs_is_rebuilt_and_the_challenges_are_gone_from_every_file()
    {
        var challenges = Enumerable.Range(0, 5).Select(i => $"OldPlaintextChallenge{i:000}").ToArray();
        var csrs = challenges.Select(c => ScepClient.CreateCsr(NewKey(), Subject, c, sans: Sans)).ToArray();
        CreateOldTable(csrs);
        Assert.All(challenges, c => Assert.NotEmpty(SecretScan.Find(DatabaseFiles, [c]))); // the scan does see them before

        var notifications = new StandaloneScepNotifications(OpenDatabase(), Clock);
        var listed = await notifications.ListAsync(10);

        Assert.Equal(challenges.Length, listed.Count);
        for (var i = 0; i < csrs.Length; i++)
        {
            var row = listed.Single(n => n.Notification.TransactionId == $"tx-{i}");
            Assert.Equal((Subject, KeyHash(csrs[i]), 2), (row.SubjectName, row.PublicKeySha256, row.NotifyCount));
            Assert.Equal(Sans, row.SubjectAlternativeNames);
            Assert.Equal($"SERIAL{i}", row.Notification.CertificateSerialNumber);
        }
        await using (var check = new SqliteConnection($"Data Source={DbPath}"))
        {
            await check.OpenAsync();
            await using var columns = check.CreateCommand();
            columns.CommandText = "SELECT count(*) FROM pragma_table_info('scep_notifications') WHERE name = 'csr_der'";
            Assert.Equal(0L, await columns.ExecuteScalarAsync());
        }
        Assert.Empty(SecretScan.Find(DatabaseFiles, challenges));
        CloseAll();
        SqliteConnection.ClearAllPools();
        Assert.Empty(SecretScan.Find(DatabaseFiles, challenges));
    }

    /// <summary>scep_notifications as the previous version created it: the whole CSR in csr_der.</summary>
    private void CreateOldTable(byte[][] csrs)
    {
        Directory.CreateDirectory(Dir);
        using var old = new SqliteConnection($"Data Source={DbPath};Pooling=False");
        old.Open();
        using var create = old.CreateCommand();
        create.CommandText = """
            PRAGMA journal_mode = WAL;
            CREATE TABLE scep_notifications (transaction_id TEXT PRIMARY KEY NOT NULL, succeeded INTEGER NOT NULL,
                certificate_thumbprint TEXT, serial_number TEXT, expiration_date_utc TEXT, issuing_ca TEXT, hresult INTEGER,
                error_description TEXT, caller_info TEXT NOT NULL, csr_der BLOB NOT NULL, received_at TEXT NOT NULL,
                notify_count INTEGER NOT NULL DEFAULT 1);
            CREATE INDEX ix_scep_notifications_received ON scep_notifications (received_at);
            """;
        create.ExecuteNonQuery();
        for (var i = 0; i < csrs.Length; i++)
        {
            using var insert = old.CreateCommand();
            insert.CommandText = """
                INSERT INTO scep_notifications (transaction_id, succeeded, serial_number, caller_info, csr_der, received_at, notify_count)
                VALUES ($tx, 1, $serial, '192.0.2.7', $csr, $at, 2)
                """;
            insert.Parameters.AddWithValue("$tx", $"tx-{i}");
            insert.Parameters.AddWithValue("$serial", $"SERIAL{i}");
            insert.Parameters.AddWithValue("$csr", csrs[i]);
            insert.Parameters.AddWithValue("$at", StandaloneDatabase.FormatTime(Clock.GetUtcNow().AddSeconds(i)));
            insert.ExecuteNonQuery();
        }
    }
}
