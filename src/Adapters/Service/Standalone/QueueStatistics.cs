using System.Data.Common;

namespace CertConnector.Adapters.Service.Standalone;

/// <summary>
/// One feature's standalone outcomes in numbers, counted by the database in one query (the status page's per-feature row).
/// </summary>
/// <param name="Queued">waiting to be handed out (the queue depth).</param>
/// <param name="Leased">handed to an instance, no result yet.</param>
/// <param name="Redeliveries">hand-outs beyond the first (a lease ran out, an instance left); for SCEP, repeated notifications.</param>
public sealed record QueueStatistics(long Queued, long Leased, long Completed, long Failed, DateTimeOffset? LastSuccessAt, DateTimeOffset? LastFailureAt,
    long Redeliveries)
{
    /// <summary>Reads the row of <see cref="Sql"/>-shaped columns: the four counts, the two times, the redeliveries.</summary>
    internal static QueueStatistics Read(DbDataReader reader) => new(Long(reader, 0), Long(reader, 1), Long(reader, 2), Long(reader, 3),
        StandaloneStore.NullableTime(reader, 4), StandaloneStore.NullableTime(reader, 5), Long(reader, 6));

    // SUM over no rows is NULL; PostgreSQL answers numeric/bigint, SQLite integer.
    private static long Long(DbDataReader reader, int ordinal) => reader.IsDBNull(ordinal) ? 0 : Convert.ToInt64(reader.GetValue(ordinal));

    /// <summary>
    /// The statistics query over a queue aliased <c>r</c> joined to its results aliased <c>s</c>; times are stored in a sortable text
    /// form, so <c>max</c> is the latest. <c>@now</c> is bound by the caller.
    /// </summary>
    internal static string Sql(string requests, string results) => $"""
        SELECT sum(CASE WHEN {QueueStatuses.QueuedFilter} THEN 1 ELSE 0 END),
               sum(CASE WHEN r.completed_at IS NULL AND r.lease_expires_at > @now THEN 1 ELSE 0 END),
               sum(CASE WHEN s.succeeded = 1 THEN 1 ELSE 0 END),
               sum(CASE WHEN s.succeeded = 0 THEN 1 ELSE 0 END),
               max(CASE WHEN s.succeeded = 1 THEN s.uploaded_at END),
               max(CASE WHEN s.succeeded = 0 THEN s.uploaded_at END),
               sum(CASE WHEN r.delivery_count > 1 THEN r.delivery_count - 1 ELSE 0 END)
        FROM {requests} r LEFT JOIN {results} s ON s.request_id = r.request_id
        """;
}
