using Akka.Actor;
using Akka.Hosting;
using Akka.Persistence;
using CertConnector.Actors.Common;

namespace CertConnector.Host.Tests.Features.Skeleton;

/// <summary>The skeleton's state: the note recorded, if any (pure, as the features' state records are).</summary>
public sealed record SkeletonState(string? Note)
{
    public SkeletonState Apply(SkeletonRecorded recorded) => this with { Note = recorded.Note };
}

/// <summary>One skeleton request: persists its note and answers the admin API's <see cref="GetRequestView"/>.</summary>
public sealed class SkeletonRequestActor : ReceivePersistentActor
{
    private SkeletonState _state = new(null);

    public SkeletonRequestActor(string requestId)
    {
        PersistenceId = PersistenceIdOf(requestId);
        Recover<SkeletonRecorded>(e => _state = _state.Apply(e));
        Command<RecordSkeleton>(record =>
        {
            var sender = Sender;
            Persist(new SkeletonRecorded(record.RequestId, record.Note), e =>
            {
                _state = _state.Apply(e);
                sender.Tell(e);
            });
        });
        Command<GetRequestView>(query => Sender.Tell(_state.Note is null
            ? RequestView.Unknown(SkeletonFeature.Name, query.RequestId)
            : new RequestView(SkeletonFeature.Name, query.RequestId, true, "Recorded", 0, null, null, null, null, null, null, false, [], null)));
    }

    public override string PersistenceId { get; }

    public static string PersistenceIdOf(string requestId) => "skeleton-" + requestId;
}

/// <summary>The skeleton's "region": one child per request ID (a real feature shards them; the admin API only needs an actor to ask).</summary>
public sealed class SkeletonRegion : ReceiveActor
{
    public SkeletonRegion() => ReceiveAny(message =>
    {
        if (message is not IWithRequestId { RequestId: var id }) return;
        var child = Context.Child(id);
        if (child.IsNobody()) child = Context.ActorOf(Props.Create(() => new SkeletonRequestActor(id)), id);
        child.Forward(message);
    });
}

/// <summary>Registry key of the skeleton region.</summary>
public sealed class SkeletonRegionKey;
