using System.Diagnostics.CodeAnalysis;

namespace CertConnector.Adapters.Service.Standalone;

/// <summary>Where a request in a standalone queue stands (every feature's queue), as the admin API reports it.</summary>
public enum QueueStatus
{
    /// <summary>Waiting to be downloaded (never leased, or its lease ran out without a result).</summary>
    Queued,
    /// <summary>Handed to an instance whose lease has not run out yet.</summary>
    Leased,
    /// <summary>A successful result was uploaded.</summary>
    Completed,
    /// <summary>A failure result was uploaded.</summary>
    Failed,
}

public static class QueueStatuses
{
    /// <summary>Null for no filter; an unknown status is an <see cref="ArgumentException"/>.</summary>
    public static QueueStatus? Parse(string? status) =>
        TryParse(status, out var parsed, out var error) ? parsed : throw new ArgumentException(error, nameof(status));

    /// <summary>Like <see cref="Parse"/> for input from outside: false with a message instead of an exception.</summary>
    public static bool TryParse(string? status, out QueueStatus? parsed, [NotNullWhen(false)] out string? error)
    {
        parsed = null;
        error = null;
        if (string.IsNullOrWhiteSpace(status)) return true;
        // Enum.TryParse also accepts numbers and comma lists ("Queued,Failed"); only single names are part of the admin API.
        if (!status.Any(c => char.IsDigit(c) || c == ',') && Enum.TryParse<QueueStatus>(status.Trim(), ignoreCase: true, out var value))
        {
            parsed = value;
            return true;
        }
        error = $"Unknown status '{status}'. Use one of: {string.Join(", ", Enum.GetNames<QueueStatus>())}.";
        return false;
    }

    /// <summary>The SQL filter for a status, over a queue aliased <c>r</c> (with <c>completed_at</c>, <c>lease_expires_at</c>)
    /// joined to its results aliased <c>s</c> (with <c>succeeded</c>); <c>@now</c> is bound by the caller.</summary>
    public static string SqlFilter(QueueStatus? status) => status switch
    {
        null => "1 = 1",
        QueueStatus.Queued => QueuedFilter,
        QueueStatus.Leased => "r.completed_at IS NULL AND r.lease_expires_at > @now",
        QueueStatus.Completed => "s.succeeded = 1",
        QueueStatus.Failed => "s.succeeded = 0",
        _ => throw new ArgumentOutOfRangeException(nameof(status)),
    };

    public const string QueuedFilter = "r.completed_at IS NULL AND (r.lease_expires_at IS NULL OR r.lease_expires_at <= @now)";
}

/// <summary>One line of <c>requests list</c>, whatever the feature.</summary>
public sealed record QueuedRequestSummary(string Feature, string RequestId, QueueStatus State, string Summary, DateTimeOffset EnqueuedAt, string? ErrorCode);

/// <summary>A feature's standalone queue as <c>GET /api/v1/requests</c> lists it; every feature with a queue registers one.</summary>
public interface IStandaloneRequestList
{
    string Feature { get; }
    Task<IReadOnlyList<QueuedRequestSummary>> ListAsync(QueueStatus? status, int limit, CancellationToken cancellationToken);

    /// <summary>How many requests are in <paramref name="status"/> now (the queue-depth and lease metrics).</summary>
    Task<long> CountAsync(QueueStatus status, CancellationToken cancellationToken);

    /// <summary>The request with this ID in this feature's queue, or null.</summary>
    Task<QueuedRequestSummary?> FindAsync(string requestId, CancellationToken cancellationToken);

    /// <summary>The admin API path of the feature's full view of one request (state, attempts, history).</summary>
    string DetailsPath(string requestId);

    /// <summary>How many requests stand where, and when the last success and failure came (the status page).</summary>
    Task<QueueStatistics> StatisticsAsync(CancellationToken cancellationToken);

    /// <summary>Ends the leases <paramref name="instanceId"/> holds on unfinished requests (a departed member's), so they are handed out
    /// again at once; idempotent. Returns how many were ended.</summary>
    Task<int> ReleaseLeasesOfAsync(string instanceId, CancellationToken cancellationToken);
}
