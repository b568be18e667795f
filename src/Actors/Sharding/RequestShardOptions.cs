using Akka.Cluster.Hosting;
using Akka.Cluster.Sharding;

namespace CertConnector.Actors.Sharding;

public static class RequestShardOptions
{
    /// <summary>
    /// Every feature's request actors: only on nodes with the feature's role, and remembered in the
    /// journal (the ddata store's LMDB does not work here), so an unfinished request restarts on its own
    /// after a restart or a hand-over, without being downloaded again.
    /// </summary>
    public static ShardOptions For(string role) => new()
    {
        Role = role,
        RememberEntities = true,
        RememberEntitiesStore = RememberEntitiesStore.Eventsourced,
        StateStoreMode = StateStoreMode.DData,
    };
}
