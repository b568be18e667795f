using Akka.Actor;
using CertConnector.Actors.Logging;
using CertConnector.Actors.Tests.Common;
using CertConnector.Actors.Updates;

namespace CertConnector.Actors.Tests.Updates;

/// <summary>The update watcher: events when the lifecycle changes and when an update appears; a refused feed leaves the last accepted one.</summary>
public sealed class UpdateWatcherTests : RequestActorTestKit
{
    private static new readonly DateTimeOffset Now = new(2026, 12, 7, 12, 0, 0, TimeSpan.Zero);

    private sealed class ScriptedFeed : IReleaseFeed
    {
        public volatile FeedCheck Next = FeedCheck.Refused(ConnectorInternalEvents.UpdateFeedUnavailable, "not yet");
        public Task<FeedCheck> CheckAsync(CancellationToken cancellationToken) => Task.FromResult(Next);
    }

    private sealed class FixedTime : TimeProvider
    {
        public override DateTimeOffset GetUtcNow() => Now;
    }

    private static FeedCheck Feed(params (string Version, int MonthsAgo)[] releases) => FeedCheck.Accepted(new ReleaseManifest(1, Now, Now.AddDays(30),
        [.. releases.Select(r => new Release(r.Version, Now.AddMonths(-r.MonthsAgo), "", "https://example.com/p.deb", new string('0', 64)))]));

    private (ScriptedFeed Feed, IActorRef Watcher, CurrentLifecycle Current) Start()
    {
        var feed = new ScriptedFeed { Next = Feed(("0.8.0", 2)) };
        var current = new CurrentLifecycle(ReleaseLifecycle.Unknown("0.8.0", "not checked"));
        var watcher = Sys.ActorOf(UpdateWatcher.Props(new UpdatePorts(feed, EventLog, current, "0.8.0", TimeSpan.FromHours(6), new FixedTime())));
        return (feed, watcher, current);
    }

    private UpdateCheckResult Check(IActorRef watcher)
    {
        watcher.Tell(CheckForUpdates.Instance);
        return ExpectMsg<UpdateCheckResult>();
    }

    [Fact]
    public void A_newer_release_logs_the_state_change_and_the_update_once()
    {
        var (feed, watcher, current) = Start();
        Assert.Equal(LifecycleState.Current, Check(watcher).Lifecycle.State);

        feed.Next = Feed(("0.8.0", 2), ("0.9.0", 1));
        var result = Check(watcher);
        Check(watcher); // the same feed again: nothing new to say

        Assert.Equal(LifecycleState.Superseded, result.Lifecycle.State);
        Assert.Equal(["0.9.0"], result.Newer.Select(r => r.Version));
        Assert.Equal(LifecycleState.Superseded, current.Value.State);
        Assert.Equal(2, EventLog.Count(ConnectorInternalEvents.LifecycleStateChanged)); // unknown -> current -> superseded
        Assert.Equal(1, EventLog.Count(ConnectorInternalEvents.UpdateAvailable));
    }

    [Fact]
    public void A_refused_feed_is_logged_with_its_event_and_the_last_accepted_manifest_stands()
    {
        var (feed, watcher, current) = Start();
        Check(watcher);
        feed.Next = FeedCheck.Refused(ConnectorInternalEvents.UpdateFeedBadSignature, "signed by someone else");

        var result = Check(watcher);

        Assert.Equal(1, EventLog.Count(ConnectorInternalEvents.UpdateFeedBadSignature));
        Assert.Contains("UpdateFeedBadSignature", result.Refusal);
        Assert.NotNull(result.Manifest);
        Assert.Equal(LifecycleState.Current, current.Value.State);
    }
}
