using System.Data.Common;

namespace CertConnector.Adapters.Service.Standalone;

/// <summary>
/// Files written before the notification store summarised the CSR kept it whole in <c>csr_der</c>, and with it
/// the challengePassword in plaintext. This rebuilds the table with subject, SANs and key hash instead, then
/// makes sure the old bytes are gone from the file: secure_delete zeroes the pages the old table frees, VACUUM
/// rewrites the file, and a TRUNCATE checkpoint empties the WAL that held the intermediate pages.
/// </summary>
internal static class ScepNotificationsMigration
{
    private const string Table = "scep_notifications";

    public static async Task DropCsrAsync(StandaloneDatabase database, DbConnection connection, CancellationToken cancellationToken)
    {
        if (!(await StandaloneStore.ColumnsAsync(connection, null, Table, cancellationToken).ConfigureAwait(false)).Contains("csr_der")) return;

        await ExecuteAsync(connection, null, "PRAGMA secure_delete = ON;", cancellationToken).ConfigureAwait(false);
        await using (var transaction = await database.BeginSchemaTransactionAsync(connection, cancellationToken).ConfigureAwait(false))
        {
            // Checked again under the schema lock: another instance may have migrated in between.
            if ((await StandaloneStore.ColumnsAsync(connection, transaction, Table, cancellationToken).ConfigureAwait(false)).Contains("csr_der"))
                await RebuildAsync(connection, transaction, cancellationToken).ConfigureAwait(false);
            await transaction.CommitAsync(cancellationToken).ConfigureAwait(false);
        }
        // Outside any transaction, as SQLite requires. Harmless if another instance already did it.
        await ExecuteAsync(connection, null, "VACUUM; PRAGMA wal_checkpoint(TRUNCATE);", cancellationToken).ConfigureAwait(false);
    }

    private static async Task RebuildAsync(DbConnection connection, DbTransaction transaction, CancellationToken cancellationToken)
    {
        var summaries = new List<(string TransactionId, ScepCsrSummary Csr)>();
        await using (var select = StandaloneStore.Command(connection, transaction, $"SELECT transaction_id, csr_der FROM {Table}"))
        await using (var reader = await select.ExecuteReaderAsync(cancellationToken).ConfigureAwait(false))
        {
            while (await reader.ReadAsync(cancellationToken).ConfigureAwait(false))
                summaries.Add((reader.GetString(0), ScepCsrSummary.Of(reader.IsDBNull(1) ? null : (byte[])reader.GetValue(1))));
        }

        const string Next = Table + "_rebuilt";
        await ExecuteAsync(connection, transaction, StandaloneScepNotifications.CreateTable(Next) + $"""
            INSERT INTO {Next} (transaction_id, succeeded, certificate_thumbprint, serial_number, expiration_date_utc, issuing_ca,
                hresult, error_description, caller_info, subject_name, subject_alt_names, received_at, notify_count)
            SELECT transaction_id, succeeded, certificate_thumbprint, serial_number, expiration_date_utc, issuing_ca,
                hresult, error_description, caller_info, '', '[]', received_at, notify_count FROM {Table};
            """, cancellationToken).ConfigureAwait(false);
        foreach (var (transactionId, csr) in summaries)
        {
            await using var update = StandaloneStore.Command(connection, transaction,
                $"UPDATE {Next} SET subject_name = @subject, subject_alt_names = @sans, public_key_sha256 = @key WHERE transaction_id = @tx",
                ("@subject", csr.SubjectName), ("@sans", csr.SubjectAltNamesJson), ("@key", csr.PublicKeySha256), ("@tx", transactionId));
            await update.ExecuteNonQueryAsync(cancellationToken).ConfigureAwait(false);
        }
        await ExecuteAsync(connection, transaction, $"""
            DROP TABLE {Table};
            ALTER TABLE {Next} RENAME TO {Table};
            CREATE INDEX IF NOT EXISTS ix_scep_notifications_received ON {Table} (received_at);
            """, cancellationToken).ConfigureAwait(false);
    }

    private static async Task ExecuteAsync(DbConnection connection, DbTransaction? transaction, string sql, CancellationToken cancellationToken)
    {
        await using var command = StandaloneStore.Command(connection, transaction, sql);
        await command.ExecuteNonQueryAsync(cancellationToken).ConfigureAwait(false);
    }
}
