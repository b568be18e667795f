using System.Data.Common;

namespace CertConnector.Adapters.Service.Standalone;

/// <summary>
/// The lease rules every standalone queue shares (its table has <c>request_id</c>, <c>lease_expires_at</c>,
/// <c>leased_by</c>, <c>delivery_count</c>, <c>completed_at</c>): a downloaded request is hidden until its lease
/// runs out, and the holder is named so that after a crash it can take its leases back at once.
/// </summary>
internal static class QueueLeases
{
    /// <summary>Leases the requests just selected, inside the download's write transaction.</summary>
    public static async Task LeaseAsync(DbConnection connection, DbTransaction transaction, string table, IEnumerable<string> requestIds,
        DateTimeOffset until, string instanceId, CancellationToken cancellationToken)
    {
        await using var lease = StandaloneStore.Command(connection, transaction,
            $"UPDATE {table} SET lease_expires_at = @until, leased_by = @me, delivery_count = delivery_count + 1 WHERE request_id = @id",
            ("@until", StandaloneDatabase.FormatTime(until)), ("@me", instanceId));
        var id = StandaloneStore.Add(lease, "@id", null);
        foreach (var requestId in requestIds)
        {
            id.Value = requestId;
            await lease.ExecuteNonQueryAsync(cancellationToken).ConfigureAwait(false);
        }
    }

    /// <summary>
    /// Ends the leases <paramref name="instanceId"/> holds on unfinished requests, so they are handed out again at once.
    /// An instance calls it for itself at start (a request leased but not yet journaled when the process died would
    /// otherwise wait out its lease), and the cluster for a member that left or was downed. Requests the journal already
    /// holds are resumed by their actors; handing them out again is harmless, because the request actor ignores a second start.
    /// </summary>
    public static Task<int> ReleaseAsync(StandaloneStore store, string table, string instanceId, CancellationToken cancellationToken) =>
        store.RunAsync(async connection =>
        {
            await using var release = StandaloneStore.Command(connection, null,
                $"UPDATE {table} SET lease_expires_at = NULL WHERE leased_by = @me AND completed_at IS NULL AND lease_expires_at IS NOT NULL",
                ("@me", instanceId));
            return await release.ExecuteNonQueryAsync(cancellationToken).ConfigureAwait(false);
        }, cancellationToken);

    /// <summary>
    /// Whether the queue holds the request: checked inside the upload's write transaction before its result is
    /// inserted with plain VALUES (PostgreSQL cannot type a NULL parameter in INSERT ... SELECT).
    /// </summary>
    public static async Task<bool> ExistsAsync(DbConnection connection, DbTransaction transaction, string table, string requestId,
        CancellationToken cancellationToken)
    {
        await using var exists = StandaloneStore.Command(connection, transaction, $"SELECT count(*) FROM {table} WHERE request_id = @id", ("@id", requestId));
        return Convert.ToInt64(await exists.ExecuteScalarAsync(cancellationToken).ConfigureAwait(false)) > 0;
    }

    /// <summary>Marks a request done once its first result is stored (inside the upload's write transaction).</summary>
    public static async Task CompleteAsync(DbConnection connection, DbTransaction transaction, string table, string requestId, string now,
        CancellationToken cancellationToken)
    {
        await using var complete = StandaloneStore.Command(connection, transaction,
            $"UPDATE {table} SET completed_at = @now, lease_expires_at = NULL WHERE request_id = @id", ("@id", requestId), ("@now", now));
        await complete.ExecuteNonQueryAsync(cancellationToken).ConfigureAwait(false);
    }
}
