using CertConnector.Adapters.Crypto;
using CertConnector.Adapters.Service.Standalone;
using System.Data.Common;

namespace CertConnector.Adapters.Ca.BuiltIn;

public sealed record IssuedCertificateRecord(
    string SerialNumber,
    string Subject,
    string RequestId,
    string Feature,
    string Status,
    DateTimeOffset NotBefore,
    DateTimeOffset NotAfter,
    string Thumbprint,
    byte[] Der,
    DateTimeOffset? RevokedAt = null,
    string? RevocationReason = null,
    string? SupersededBy = null,
    string? Template = null,
    string? RenewedBy = null,
    string? Ca = null)
{
    public const string Issued = "issued";
    public const string Revoked = "revoked";
}

public enum RevocationOutcome { Revoked, AlreadyRevoked, NotFound }

/// <summary>
/// Every certificate the built-in CA issued, for revocation, CRL, OCSP and inspection: issued.db (SQLite, WAL mode) or
/// the cluster's shared PostgreSQL database. The table is declared and migrated like the standalone stores'
/// (<see cref="StandaloneTable"/>). A pooled connection per call, so the store is safe to share between threads; the
/// API is synchronous because issuing is.
/// </summary>
public sealed class IssuedCertificateStore
{
    private const string Columns = "serial, subject, request_id, feature, status, not_before, not_after, thumbprint, der, revoked_at, revocation_reason, superseded_by, template, renewed_by, ca";

    /// <summary>The built-in CA's own rows: the ones it issued (NULL <c>ca</c>, as every row written before version 5 is).</summary>
    private const string BuiltIn = "ca IS NULL";

    /// <summary>
    /// Newest shape; version 2 added <c>superseded_by</c> (NULL: current); version 3 <c>template</c> (NULL: issued by a version that
    /// did not record it); version 4 <c>renewed_by</c>, the serial of the certificate a renewal replaced this one with (NULL: not renewed);
    /// version 5 <c>ca</c>, the name of the configured CA that issued it when that is not the built-in CA (NULL: the built-in CA, so every
    /// older row stays the built-in CA's). Revocation routes by it; the built-in CA's CRL, OCSP, renewals and revocations see only its own rows.
    /// </summary>
    private static readonly StandaloneTable Table = new("issued_certificates", """
        CREATE TABLE IF NOT EXISTS issued_certificates (
            serial TEXT PRIMARY KEY,
            subject TEXT NOT NULL,
            request_id TEXT NOT NULL,
            feature TEXT NOT NULL,
            status TEXT NOT NULL CHECK (status IN ('issued', 'revoked')),
            not_before TEXT NOT NULL,
            not_after TEXT NOT NULL,
            thumbprint TEXT NOT NULL,
            der BLOB NOT NULL,
            revoked_at TEXT NULL,
            revocation_reason TEXT NULL,
            superseded_by TEXT NULL,
            template TEXT NULL,
            renewed_by TEXT NULL,
            ca TEXT NULL);
        CREATE INDEX IF NOT EXISTS ix_issued_certificates_request_id ON issued_certificates (request_id);
        """, [StandaloneTable.AddColumn("issued_certificates", "superseded_by", "TEXT NULL"),
            StandaloneTable.AddColumn("issued_certificates", "template", "TEXT NULL"),
            StandaloneTable.AddColumn("issued_certificates", "renewed_by", "TEXT NULL"),
            StandaloneTable.AddColumn("issued_certificates", "ca", "TEXT NULL")]);

    /// <summary>
    /// One counter raised in the same transaction as every revocation. Instances sharing the database compare it with
    /// the one their CRL and OCSP answers were made at, so a revocation on one instance is served by all of them at once.
    /// </summary>
    private static readonly StandaloneTable Generation = new("revocation_generation",
        "CREATE TABLE IF NOT EXISTS revocation_generation (id INTEGER PRIMARY KEY CHECK (id = 1), generation INTEGER NOT NULL);");

    private readonly IssuedDatabase _database;

    public IssuedCertificateStore(string path) : this(new StandaloneDatabase(path, TimeSpan.FromSeconds(30))) { }

    /// <summary>The store in <paramref name="database"/>: a SQLite file or the cluster's shared PostgreSQL database.</summary>
    public IssuedCertificateStore(StandaloneDatabase database) => _database = new IssuedDatabase(database, Table, Generation);

    /// <summary>How many revocations the store has recorded, whoever made them (see <see cref="Generation"/>).</summary>
    public long RevocationGeneration()
    {
        using var connection = _database.Open();
        using var command = connection.CreateCommand();
        command.CommandText = "SELECT coalesce(max(generation), 0) FROM revocation_generation";
        return Convert.ToInt64(command.ExecuteScalar());
    }

    /// <summary>
    /// Adds the certificate and, in the same transaction, marks every earlier certificate of the same request
    /// (same feature and request ID) as superseded by it. That happens when a process dies between the CA
    /// issuing and the request's journal write: the retry issues again for a new key, and the first
    /// certificate, whose key died with the process, is left to the revocation work (reason superseded).
    /// So a request never has more than one current certificate. Throws a <see cref="DbException"/> for which
    /// <see cref="StandaloneDatabase.IsUniqueViolation"/> holds if the serial is already present.
    /// </summary>
    public void Add(IssuedCertificateRecord record) => AddAsync(record, CancellationToken.None).GetAwaiter().GetResult();

    /// <inheritdoc cref="Add"/>
    public async Task AddAsync(IssuedCertificateRecord record, CancellationToken cancellationToken) =>
        await AddRenewalAsync(record, null, cancellationToken).ConfigureAwait(false);

    /// <summary>
    /// <see cref="Add"/>, and when <paramref name="renews"/> is set, in the same transaction, claims that certificate for this one:
    /// a conditional update of its <c>renewed_by</c>, which only a current (issued, not superseded, not yet renewed) certificate
    /// passes. So of two renewals of one certificate, on one instance or on two sharing the database, exactly one is added.
    /// </summary>
    /// <returns>False, with nothing added, when <paramref name="renews"/> is no longer current (see <see cref="FindBySerial"/> for why).</returns>
    public Task<bool> AddRenewalAsync(IssuedCertificateRecord record, string? renews, CancellationToken cancellationToken) =>
        _database.InWriteTransactionAsync(async (connection, transaction) =>
        {
            if (_database.Dialect == SqlDialect.Postgres)
            {
                // Two certificates for one request added at once on two instances would each supersede only the other's
                // predecessors and both stay current. A lock on this request alone (not the database) orders them.
                await using var one = connection.CreateCommand();
                one.Transaction = transaction;
                one.CommandText = "SELECT pg_advisory_xact_lock(hashtextextended(@request, 0))";
                IssuedDatabase.Add(one, "@request", $"issued/{record.Feature}/{record.RequestId}");
                await one.ExecuteNonQueryAsync(cancellationToken).ConfigureAwait(false);
            }
            if (renews is not null)
            {
                await using var claim = connection.CreateCommand();
                claim.Transaction = transaction;
                claim.CommandText = """
                    UPDATE issued_certificates SET renewed_by = @serial
                    WHERE serial = @renews AND status = 'issued' AND superseded_by IS NULL AND renewed_by IS NULL AND coalesce(ca, '') = @ca
                    """;
                IssuedDatabase.Add(claim, "@serial", Normalize(record.SerialNumber));
                IssuedDatabase.Add(claim, "@renews", Normalize(renews));
                IssuedDatabase.Add(claim, "@ca", record.Ca ?? ""); // a certificate is renewed at the CA that issued it
                if (await claim.ExecuteNonQueryAsync(cancellationToken).ConfigureAwait(false) != 1) return false;
            }
            await using var command = connection.CreateCommand();
            command.Transaction = transaction;
            command.CommandText = $"INSERT INTO issued_certificates ({Columns}) VALUES (@serial, @subject, @request_id, @feature, @status, @not_before, @not_after, @thumbprint, @der, @revoked_at, @reason, @superseded_by, @template, @renewed_by, @ca)";
            IssuedDatabase.Add(command, "@serial", Normalize(record.SerialNumber));
            IssuedDatabase.Add(command, "@subject", record.Subject);
            IssuedDatabase.Add(command, "@request_id", record.RequestId);
            IssuedDatabase.Add(command, "@feature", record.Feature);
            IssuedDatabase.Add(command, "@status", record.Status);
            IssuedDatabase.Add(command, "@not_before", StandaloneDatabase.FormatTime(record.NotBefore));
            IssuedDatabase.Add(command, "@not_after", StandaloneDatabase.FormatTime(record.NotAfter));
            IssuedDatabase.Add(command, "@thumbprint", record.Thumbprint);
            IssuedDatabase.Add(command, "@der", record.Der);
            IssuedDatabase.Add(command, "@revoked_at", record.RevokedAt is { } at ? StandaloneDatabase.FormatTime(at) : null);
            IssuedDatabase.Add(command, "@reason", record.RevocationReason);
            IssuedDatabase.Add(command, "@superseded_by", record.SupersededBy);
            IssuedDatabase.Add(command, "@template", record.Template);
            IssuedDatabase.Add(command, "@renewed_by", record.RenewedBy);
            IssuedDatabase.Add(command, "@ca", record.Ca);
            await command.ExecuteNonQueryAsync(cancellationToken).ConfigureAwait(false);

            await using var supersede = connection.CreateCommand();
            supersede.Transaction = transaction;
            supersede.CommandText = """
                UPDATE issued_certificates SET superseded_by = @serial
                WHERE request_id = @request_id AND feature = @feature AND serial <> @serial AND superseded_by IS NULL
                """;
            IssuedDatabase.Add(supersede, "@serial", Normalize(record.SerialNumber));
            IssuedDatabase.Add(supersede, "@request_id", record.RequestId);
            IssuedDatabase.Add(supersede, "@feature", record.Feature);
            await supersede.ExecuteNonQueryAsync(cancellationToken).ConfigureAwait(false);
            return true;
        }, cancellationToken);

    /// <summary>Certificates replaced by a later one for the same request, oldest first: still valid until revoked.</summary>
    public IReadOnlyList<IssuedCertificateRecord> ListSuperseded() =>
        Query($"WHERE superseded_by IS NOT NULL AND status = @p AND {BuiltIn} ORDER BY rowid", IssuedCertificateRecord.Issued);

    /// <summary>Every certificate issued for the request, current and superseded, oldest first.</summary>
    public IReadOnlyList<IssuedCertificateRecord> ListByRequestId(string requestId) =>
        Query("WHERE request_id = @p ORDER BY rowid", requestId);

    /// <summary>A certificate the built-in CA issued. Accepts the serial in any common hex form (colons, lower case, leading zeros).</summary>
    public IssuedCertificateRecord? FindBySerial(string serialNumber) =>
        Query($"WHERE serial = @p AND {BuiltIn} LIMIT 1", Normalize(serialNumber)).FirstOrDefault();

    /// <summary>A certificate another configured CA issued, recorded under its name (<see cref="IssuedCertificateRecord.Ca"/>).</summary>
    public IssuedCertificateRecord? FindElsewhere(string serialNumber) =>
        Query("WHERE serial = @p AND ca IS NOT NULL LIMIT 1", Normalize(serialNumber)).FirstOrDefault();

    /// <summary>Whether any CA's row has the serial, and which CA issued it (null: the built-in CA).</summary>
    public (bool Found, string? Ca) FindIssuer(string serialNumber) =>
        Query("WHERE serial = @p LIMIT 1", Normalize(serialNumber)).FirstOrDefault() is { } record ? (true, record.Ca) : (false, null);

    /// <summary>The current (not superseded) certificate the built-in CA issued for the request, if any.</summary>
    public IssuedCertificateRecord? FindByRequestId(string requestId) =>
        Query($"WHERE request_id = @p AND superseded_by IS NULL AND {BuiltIn} ORDER BY rowid DESC LIMIT 1", requestId).FirstOrDefault();

    /// <summary>Newest first.</summary>
    public IReadOnlyList<IssuedCertificateRecord> List(int limit) =>
        Query("ORDER BY rowid DESC LIMIT @p", Math.Max(0, limit));

    public IReadOnlyList<IssuedCertificateRecord> ListRevoked() =>
        Query($"WHERE status = @p AND {BuiltIn} ORDER BY revoked_at", IssuedCertificateRecord.Revoked);

    public RevocationOutcome Revoke(string serialNumber, string reason, DateTimeOffset at)
    {
        using (var connection = _database.Open())
        using (var transaction = _database.BeginWrite(connection))
        {
            using var command = connection.CreateCommand();
            command.Transaction = transaction;
            command.CommandText = $"UPDATE issued_certificates SET status = 'revoked', revoked_at = @at, revocation_reason = @reason WHERE serial = @serial AND status = 'issued' AND {BuiltIn}";
            IssuedDatabase.Add(command, "@serial", Normalize(serialNumber));
            IssuedDatabase.Add(command, "@at", StandaloneDatabase.FormatTime(at));
            IssuedDatabase.Add(command, "@reason", reason);
            if (command.ExecuteNonQuery() == 1)
            {
                using var raise = connection.CreateCommand();
                raise.Transaction = transaction;
                raise.CommandText = "INSERT INTO revocation_generation (id, generation) VALUES (1, 1) ON CONFLICT (id) DO UPDATE SET generation = revocation_generation.generation + 1";
                raise.ExecuteNonQuery();
                transaction.Commit();
                return RevocationOutcome.Revoked;
            }
        }
        return FindBySerial(serialNumber) is null ? RevocationOutcome.NotFound : RevocationOutcome.AlreadyRevoked;
    }

    private List<IssuedCertificateRecord> Query(string where, object parameter)
    {
        using var connection = _database.Open();
        using var command = connection.CreateCommand();
        command.CommandText = $"SELECT {Columns} FROM issued_certificates {where}";
        IssuedDatabase.Add(command, "@p", parameter);
        using var reader = command.ExecuteReader();
        var result = new List<IssuedCertificateRecord>();
        while (reader.Read())
        {
            result.Add(new IssuedCertificateRecord(
                reader.GetString(0), reader.GetString(1), reader.GetString(2), reader.GetString(3), reader.GetString(4),
                StandaloneDatabase.ParseTime(reader.GetString(5)), StandaloneDatabase.ParseTime(reader.GetString(6)), reader.GetString(7), (byte[])reader.GetValue(8),
                reader.IsDBNull(9) ? null : StandaloneDatabase.ParseTime(reader.GetString(9)),
                reader.IsDBNull(10) ? null : reader.GetString(10),
                reader.IsDBNull(11) ? null : reader.GetString(11),
                reader.IsDBNull(12) ? null : reader.GetString(12),
                reader.IsDBNull(13) ? null : reader.GetString(13),
                reader.IsDBNull(14) ? null : reader.GetString(14)));
        }
        return result;
    }

    private static string Normalize(string serialNumber) => CertificateIds.NormalizeSerial(serialNumber) ?? serialNumber;


}
