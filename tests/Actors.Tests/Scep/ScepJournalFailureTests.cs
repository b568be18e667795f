using Akka.Actor;
using Akka.Configuration;
using Akka.Persistence;
using Akka.Persistence.TestKit;
using CertConnector.Actors.Logging;
using CertConnector.Actors.Ports;
using CertConnector.Actors.Scep;
using CertConnector.Actors.Tests.Pkcs;
using CertConnector.Adapters.Logging;

namespace CertConnector.Actors.Tests.Scep;

/// <summary>The journal refuses the outcome: the service can never be told, and 4010 says so.</summary>
public sealed class ScepJournalFailureTests() : Akka.TestKit.Xunit2.TestKit(ConfigurationFactory.ParseString("""
    akka.persistence.journal.plugin = "akka.persistence.journal.test"
    akka.persistence.journal.test {
      class = "Akka.Persistence.TestKit.TestJournal, Akka.Persistence.TestKit"
      plugin-dispatcher = "akka.actor.default-dispatcher"
    }
    akka.persistence.snapshot-store.plugin = "akka.persistence.snapshot-store.inmem"
    akka.loglevel = WARNING
    """))
{
    [Fact]
    public async Task An_outcome_that_cannot_be_journaled_logs_4010_and_is_not_notified()
    {
        var journal = TestJournal.FromRef(Persistence.Instance.Apply(Sys).JournalFor(null));
        await journal.OnWrite.RejectOnType<ScepCertificateIssued>();
        var log = new RecordingEventLog();
        var notifier = new CountingNotifier();
        var ports = new ScepPorts(new AcceptAll(), new ScriptedCa(), notifier, log, new ScepOptions(), "CN=Test CA", new RefuseRenewals(), false);
        var actor = Sys.ActorOf(ScepRequestActor.Props("scep-1", ports));

        actor.Tell(new SubmitScepRequest("scep-1", "tx-1", [0x30], "challenge", "device"));

        AwaitCondition(() => log.Count(ConnectorEvents.ScepNotifySaveToDiskFailed) == 1);
        Assert.Equal(1, log.Count(ConnectorEvents.ScepVerifySuccess)); // the steps before were journaled
        Assert.Equal(0, log.Count(ConnectorEvents.ScepIssuedSuccess));
        Assert.Equal(0, notifier.Calls);
    }

    private sealed class RefuseRenewals : IScepRenewalChecker
    {
        public ScepRenewalVerdict Check(ScepRenewalCheck request) => new(request.RenewedSerial, "not in this test");
    }

    private sealed class AcceptAll : IChallengeValidator
    {
        public Task<ChallengeVerdict> ValidateAsync(ScepValidationRequest request, CancellationToken cancellationToken) =>
            Task.FromResult(ChallengeVerdict.Success);
    }

    private sealed class CountingNotifier : IScepResultNotifier
    {
        public int Calls;
        public Task NotifyAsync(ScepNotification notification, CancellationToken cancellationToken)
        {
            Interlocked.Increment(ref Calls);
            return Task.CompletedTask;
        }
    }
}
