using System.Data.Common;
using CertConnector.Adapters.Service.Standalone;

namespace CertConnector.Host.Tests.Features.Skeleton;

/// <summary>The skeleton's standalone queue: a note per request, on the shared leased-queue base.</summary>
public sealed class SkeletonQueue(StandaloneDatabase database, TimeSpan leaseDuration, string instanceId)
    : StandaloneLeasedQueue<SkeletonRequest, SkeletonResult>(database, leaseDuration, instanceId, TimeProvider.System,
        "skeleton_requests", [("note", "TEXT NOT NULL")], "skeleton_results", [("answer", "TEXT")])
{
    public override string Feature => SkeletonFeature.Name;

    public override string DetailsPath(string requestId) => $"/api/v1/{SkeletonFeature.Name}/requests/{Uri.EscapeDataString(requestId)}";

    /// <summary>Leases queued requests to this queue's instance, as a feature's actors download work.</summary>
    public Task<IReadOnlyList<SkeletonRequest>> LeaseAsync(int maxRequests, CancellationToken cancellationToken = default) =>
        DownloadAsync(maxRequests, cancellationToken);

    protected override string RequestIdOf(SkeletonRequest request) => request.RequestId;
    protected override string ResultIdOf(SkeletonResult result) => result.RequestId;
    protected override object?[] RequestValues(SkeletonRequest request) => [request.Note];
    protected override object?[] ResultValues(SkeletonResult result) => [result.Answer];
    protected override (bool Succeeded, string? ErrorCode, string? ErrorMessage) OutcomeOf(SkeletonResult result) => (result.Succeeded, result.ErrorCode, result.ErrorMessage);
    protected override SkeletonRequest ReadRequest(DbDataReader reader) => new(reader.GetString(0), reader.GetString(1));

    protected override SkeletonResult ReadResult(string requestId, bool succeeded, string? errorCode, string? errorMessage, DbDataReader reader, int first) =>
        new(requestId, succeeded, errorCode, errorMessage, reader.IsDBNull(first) ? null : reader.GetString(first));

    protected override string Describe(SkeletonRequest request) => "note " + request.Note;
}
