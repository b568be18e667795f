using Akka.Cluster.Sharding;
using CertConnector.Actors.Common;

namespace CertConnector.Actors.Sharding;

/// <summary>
/// Routes any <see cref="IWithRequestId"/> message to the entity for that request. The shard count is
/// about ten times the largest cluster we support (100 instances) and must never change for the life of
/// a cluster: it decides where remembered entities live.
/// </summary>
public sealed class RequestMessageExtractor() : HashCodeMessageExtractor(ShardCount)
{
    public const int ShardCount = 1000;

    // ShardRegion.StartEntity (remember-entities restarts) is handled by the base class.
    public override string? EntityId(object message) => message switch
    {
        IWithRequestId withId => withId.RequestId,
        _ => null,
    };
}
