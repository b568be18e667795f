using CertConnector.Actors.Common;
using CertConnector.Actors.Ports;
using CertConnector.Adapters.Service.Standalone;
using Microsoft.Data.Sqlite;

namespace CertConnector.Adapters.Tests.Service.Standalone;

/// <summary>
/// The PKCS and revocation queues on <see cref="StandaloneLeasedQueue{TRequest,TResult}"/> keep the tables their own code used
/// to declare: a standalone.db written before keeps working, and a new one gets the same columns, indexes and versions
/// (the PostgreSQL DDL is derived from the same text, so the shared database gets them too).
/// </summary>
public sealed class StandaloneQueueSchemaTests : IDisposable
{
    private readonly string _dir = Path.Combine(Path.GetTempPath(), "queue-schema-" + Guid.NewGuid().ToString("N"));
    private readonly ManualTimeProvider _clock = new(DateTimeOffset.Parse("2026-12-01T00:00:00Z"));
    private readonly List<StandaloneDatabase> _databases = [];

    // The DDL and schema versions the PKCS queue (StandaloneManagementService, PkcsTables) and the revocation queue wrote before.
    private const string OldSchema = """
        CREATE TABLE IF NOT EXISTS pkcs_requests (
            request_id         TEXT PRIMARY KEY NOT NULL,
            subject_name       TEXT NOT NULL,
            subject_alt_names  TEXT NOT NULL,
            template_name      TEXT NOT NULL,
            key_spec           TEXT NOT NULL,
            device_certificate BLOB NOT NULL,
            certificate_type   TEXT NOT NULL,
            on_premises_sid    TEXT,
            validity_days      INTEGER,
            enqueued_at        TEXT NOT NULL,
            lease_expires_at   TEXT,
            leased_by          TEXT,
            delivery_count     INTEGER NOT NULL DEFAULT 0,
            completed_at       TEXT
        );
        CREATE INDEX IF NOT EXISTS ix_pkcs_requests_pending ON pkcs_requests (enqueued_at) WHERE completed_at IS NULL;
        CREATE INDEX IF NOT EXISTS ix_pkcs_requests_enqueued ON pkcs_requests (enqueued_at);
        CREATE TABLE IF NOT EXISTS pkcs_results (
            request_id             TEXT PRIMARY KEY NOT NULL REFERENCES pkcs_requests (request_id),
            succeeded              INTEGER NOT NULL,
            error_code             TEXT,
            error_message          TEXT,
            encrypted_pfx          BLOB,
            encrypted_password     BLOB,
            certificate_der        BLOB,
            certificate_thumbprint TEXT,
            serial_number          TEXT,
            expiration_date_utc    TEXT,
            uploaded_at            TEXT NOT NULL,
            upload_count           INTEGER NOT NULL DEFAULT 1
        );
        CREATE TABLE IF NOT EXISTS revocation_requests (
            request_id       TEXT PRIMARY KEY NOT NULL,
            serial_number    TEXT NOT NULL,
            reason           TEXT NOT NULL,
            issuer_name      TEXT,
            pkcs_request_id  TEXT,
            enqueued_at      TEXT NOT NULL,
            lease_expires_at TEXT,
            leased_by        TEXT,
            delivery_count   INTEGER NOT NULL DEFAULT 0,
            completed_at     TEXT
        );
        CREATE INDEX IF NOT EXISTS ix_revocation_requests_enqueued ON revocation_requests (enqueued_at);
        CREATE TABLE IF NOT EXISTS revocation_results (
            request_id    TEXT PRIMARY KEY NOT NULL REFERENCES revocation_requests (request_id),
            succeeded     INTEGER NOT NULL,
            error_code    TEXT,
            error_message TEXT,
            uploaded_at   TEXT NOT NULL,
            upload_count  INTEGER NOT NULL DEFAULT 1
        );
        CREATE TABLE IF NOT EXISTS schema_versions (table_name TEXT PRIMARY KEY NOT NULL, version INTEGER NOT NULL);
        INSERT INTO schema_versions VALUES ('pkcs_requests', 2), ('pkcs_results', 1), ('revocation_requests', 1), ('revocation_results', 1);
        """;

    private static readonly string[] Tables = ["pkcs_requests", "pkcs_results", "revocation_requests", "revocation_results"];

    private string PathOf(string name) => Path.Combine(_dir, name);

    private StandaloneDatabase Database(string name)
    {
        var database = new StandaloneDatabase(PathOf(name), TimeSpan.FromSeconds(5));
        _databases.Add(database);
        return database;
    }

    private static async Task ExecuteAsync(string path, string sql)
    {
        Directory.CreateDirectory(Path.GetDirectoryName(path)!);
        await using var connection = new SqliteConnection($"Data Source={path};Pooling=False");
        await connection.OpenAsync();
        await using var command = connection.CreateCommand();
        command.CommandText = sql;
        await command.ExecuteNonQueryAsync();
    }

    /// <summary>Everything SQLite knows of a table's shape: columns (type, not null, default, key), indexes (columns, partial), foreign keys.
    /// Columns by name: a column a migration added comes last, one a new table has stands where its DDL puts it.</summary>
    private static async Task<List<string>> ShapeAsync(string path, string table)
    {
        await using var connection = new SqliteConnection($"Data Source={path};Pooling=False");
        await connection.OpenAsync();
        var shape = new List<string>();
        async Task Read(string sql)
        {
            await using var command = connection.CreateCommand();
            command.CommandText = sql;
            await using var reader = await command.ExecuteReaderAsync();
            while (await reader.ReadAsync())
                shape.Add(string.Join("|", Enumerable.Range(0, reader.FieldCount).Select(i => reader.IsDBNull(i) ? "null" : reader.GetValue(i).ToString())));
        }
        await Read($"SELECT name, type, \"notnull\", dflt_value, pk FROM pragma_table_info('{table}') ORDER BY name");
        await Read($"SELECT l.name, l.\"unique\", l.partial, group_concat(i.name) FROM pragma_index_list('{table}') l, pragma_index_info(l.name) i GROUP BY l.name ORDER BY l.name");
        await Read($"SELECT \"table\", \"from\", \"to\" FROM pragma_foreign_key_list('{table}')");
        await Read($"SELECT version FROM schema_versions WHERE table_name = '{table}'");
        return shape;
    }

    [Fact]
    public async Task A_new_database_gets_the_columns_indexes_and_versions_the_old_queues_declared_and_their_migrations_reach()
    {
        await ExecuteAsync(PathOf("old.db"), OldSchema);
        foreach (var database in new[] { Database("old.db"), Database("new.db") })
        {
            await new StandalonePkcsQueue(database, TimeSpan.FromMinutes(5), "me", _clock).InitializeAsync();
            await new StandaloneRevocationQueue(database, TimeSpan.FromMinutes(5), "me", _clock).InitializeAsync();
        }

        foreach (var table in Tables)
        {
            var old = await ShapeAsync(PathOf("old.db"), table);
            Assert.True(old.Count > 5, table);
            Assert.Equal(old, await ShapeAsync(PathOf("new.db"), table));
        }
    }

    [Fact]
    public async Task A_database_the_old_queues_wrote_keeps_its_requests_results_and_leases()
    {
        await ExecuteAsync(PathOf("standalone.db"), OldSchema + """
            INSERT INTO pkcs_requests (request_id, subject_name, subject_alt_names, template_name, key_spec, device_certificate, certificate_type,
                on_premises_sid, validity_days, enqueued_at, lease_expires_at, leased_by, delivery_count, completed_at)
            VALUES ('p-queued', 'CN=queued', '[{"type":"dns","value":"q.example.com"}]', 'WiFi', 'ec:p256', x'0102', 'user', 'S-1-5-21-1', 90,
                    '2026-11-30T00:00:00.0000000Z', NULL, NULL, 0, NULL),
                   ('p-done', 'CN=done', '[]', 'WiFi', 'rsa:2048', x'03', 'device', NULL, NULL,
                    '2026-11-29T00:00:00.0000000Z', NULL, 'node-a', 1, '2026-11-29T00:01:00.0000000Z');
            INSERT INTO pkcs_results (request_id, succeeded, error_code, error_message, encrypted_pfx, encrypted_password, certificate_der,
                certificate_thumbprint, serial_number, expiration_date_utc, uploaded_at, upload_count)
            VALUES ('p-done', 1, NULL, NULL, x'090807', x'0605', x'3082', 'AB12', '0A0B', '2027-11-29T00:00:00.0000000Z', '2026-11-29T00:01:00.0000000Z', 2);
            INSERT INTO revocation_requests (request_id, serial_number, reason, issuer_name, pkcs_request_id, enqueued_at, lease_expires_at, leased_by,
                delivery_count, completed_at)
            VALUES ('v-leased', '0A0B', 'KeyCompromise', 'CN=CA', 'p-done', '2026-11-30T12:00:00.0000000Z', '2026-12-01T00:04:00.0000000Z', 'node-a', 1, NULL);
            """);
        var database = Database("standalone.db");
        var pkcs = new StandalonePkcsQueue(database, TimeSpan.FromMinutes(5), "node-a", _clock);
        var revocation = new StandaloneRevocationQueue(database, TimeSpan.FromMinutes(5), "node-a", _clock);
        await pkcs.InitializeAsync();
        await revocation.InitializeAsync(); // node-a restarted: its lease on v-leased is taken back at once

        var done = (await pkcs.GetAsync("p-done"))!;
        Assert.Equal((QueueStatus.Completed, 2, "AB12", "0A0B"), (done.Status, done.UploadCount, done.Result!.CertificateThumbprint, done.Result.SerialNumber));
        Assert.Equal([9, 8, 7], done.Result.EncryptedPfx);
        Assert.Equal(DateTimeOffset.Parse("2027-11-29T00:00:00Z"), done.Result.ExpirationDateUtc);
        var queued = Assert.Single(await pkcs.DownloadPkcsRequestsAsync(10, default));
        Assert.Equal(("CN=queued", "user", "S-1-5-21-1", 90, KeySpec.Parse("ec:p256")),
            (queued.SubjectName, queued.CertificateType, queued.OnPremisesSid, queued.ValidityDays, queued.KeySpec));
        Assert.Equal([new SubjectAltName("dns", "q.example.com")], queued.SubjectAlternativeNames);

        var leased = Assert.Single(await revocation.DownloadRevocationRequestsAsync(10, default));
        Assert.Equal(new RevocationRequest("v-leased", "0A0B", RevocationReason.KeyCompromise, "CN=CA"), leased); // names no CA: the issuing CA's
        Assert.Null(queued.Ca); // queued before CAs had names: the default CA
        await revocation.UploadRevocationResultsAsync([new RevocationRequestResult("v-leased", true, "4005", "already revoked")], default);
        var revoked = (await revocation.GetAsync("v-leased"))!;
        Assert.Equal((QueueStatus.Completed, "p-done", 2, "4005"), (revoked.Status, revoked.Request.PkcsRequestId, revoked.DeliveryCount, revoked.Result!.ErrorCode));

        // Each versioned step ran once: the CA column (pkcs_requests 3, revocation_requests 2), nothing else.
        foreach (var table in Tables)
            Assert.Equal((await ShapeAsync(PathOf("standalone.db"), table)).Last(), table switch { "pkcs_requests" => "3", "revocation_requests" => "2", _ => "1" });
    }

    public void Dispose()
    {
        foreach (var database in _databases) database.Dispose();
        SqliteConnection.ClearAllPools();
        try { Directory.Delete(_dir, true); } catch (IOException) { }
    }
}
