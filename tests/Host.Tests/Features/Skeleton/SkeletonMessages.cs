using CertConnector.Actors.Common;

namespace CertConnector.Host.Tests.Features.Skeleton;

/// <summary>A request of the skeleton feature as its standalone queue holds it.</summary>
public sealed record SkeletonRequest(string RequestId, string Note);

/// <summary>The skeleton feature's result (never uploaded in these tests: the queue needs a result type).</summary>
public sealed record SkeletonResult(string RequestId, bool Succeeded, string? ErrorCode, string? ErrorMessage, string? Answer);

/// <summary>Asks the skeleton's request actor to record a note (it persists <see cref="SkeletonRecorded"/>).</summary>
public sealed record RecordSkeleton(string RequestId, string Note) : IWithRequestId, IConnectorSerializable;

/// <summary>The skeleton's one persisted event: written through the connector's serializer, so it needs a manifest.</summary>
public sealed record SkeletonRecorded(string RequestId, string Note) : IWithRequestId, IConnectorSerializable;

/// <summary>The skeleton feature's manifest table, as each feature's <c>*Manifests.cs</c> holds one.</summary>
public static class SkeletonManifests
{
    public static IReadOnlyDictionary<string, Type> Table { get; } = new Dictionary<string, Type>
    {
        ["skeleton.record.v1"] = typeof(RecordSkeleton),
        ["skeleton.recorded.v1"] = typeof(SkeletonRecorded),
    };
}
