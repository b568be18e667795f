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
        // A hand-over (graceful leave, SIGTERM) lets a request actor finish the step it is running (a CA call, an upload)
        // and journal its outcome before it stops, instead of a PoisonPill in the middle of it: stopped between the CA
        // issuing and the journal write, the request would be issued again by its next holder.
        HandOffStopMessage = Common.HandOffStop.Instance,
    };
}
