using Akka.Actor;
using CertConnector.Actors.Common;
using CertConnector.Actors.Logging;
using CertConnector.Actors.Pkcs;
using CertConnector.Actors.Ports;

namespace CertConnector.Actors.Tests.Pkcs;

/// <summary>
/// A request goes to the CA it names, and the name is journaled: a request naming none is pinned to the default when it is downloaded,
/// so a later default (another instance, a restart with other settings) does not move it. An unknown name fails it for good, once.
/// </summary>
public sealed class PkcsCaRoutingTests : RequestActorTestKit
{
    private readonly ScriptedCa _builtIn = new();
    private readonly ScriptedCa _corp = new();

    private CertificateAuthorities Cas(string defaultName = "builtin") => new(
    [
        new NamedCa("builtin", NamedCa.BuiltInType, _builtIn, null, new UpProbe()),
        new NamedCa("corp", "scep", _corp, null, new UpProbe()),
    ], defaultName);

    private PkcsPorts Ports(IPkcsService service, string defaultName = "builtin") =>
        new(new FakeCredentials(), Cas(defaultName), service, EventLog, new PkcsOptions { MaxAttempts = 5 });

    [Fact]
    public void Each_request_is_issued_by_the_CA_it_names_and_a_third_party_CA_is_logged_with_1032()
    {
        var service = new RecordingService();
        var ports = Ports(service);
        Sys.ActorOf(PkcsRequestActor.Props("to-corp", ports)).Tell(new StartPkcsRequest(Samples.Request("to-corp") with { Ca = "CORP" }), TestActor);
        Sys.ActorOf(PkcsRequestActor.Props("to-default", ports)).Tell(new StartPkcsRequest(Samples.Request("to-default")), TestActor);

        AdvanceUntil(() => EventLog.Count(ConnectorEvents.PkcsRequestSuccess) == 2);
        Assert.Equal(["to-corp"], _corp.Requests.Select(r => r.RequestId));
        Assert.Equal(["to-default"], _builtIn.Requests.Select(r => r.RequestId));
        var routed = Assert.Single(EventLog.Of(ConnectorEvents.PkcsDigiCertRequest));
        Assert.Equal("to-corp", routed.RequestId);
        Assert.Contains("'corp'", routed.Message);
    }

    [Fact]
    public void A_request_naming_no_CA_keeps_the_default_it_was_downloaded_with()
    {
        var service = new RecordingService(hangFirst: 1); // the first upload never returns: the request is still open when the actor dies
        var first = Sys.ActorOf(PkcsRequestActor.Props("pinned", Ports(service)));
        first.Tell(new StartPkcsRequest(Samples.Request("pinned") with { TemplateName = "client-auth" }));
        AwaitCondition(() => EventLog.Count(ConnectorEvents.PkcsIssuedSuccess) == 1);
        Watch(first);
        first.Tell(Kill.Instance);
        ExpectTerminated(first);

        var second = Sys.ActorOf(PkcsRequestActor.Props("pinned", Ports(service, defaultName: "corp"))); // recovered under another default
        second.Tell(new GetRequestView("pinned"));
        Assert.Equal("builtin", Assert.IsType<PkcsViewDetails>(ExpectMsg<RequestView>().Details).Ca);
        Assert.Empty(_corp.Requests);
    }

    [Fact]
    public void An_unknown_CA_fails_the_request_for_good_and_its_failure_is_uploaded_once()
    {
        var service = new RecordingService();
        var actor = Sys.ActorOf(PkcsRequestActor.Props("nowhere", Ports(service)));
        actor.Tell(new StartPkcsRequest(Samples.Request("nowhere") with { Ca = "gone" }), TestActor);

        ExpectMsg<PkcsRequestCompleted>(c => !c.Succeeded);
        Scheduler.Advance(TimeSpan.FromHours(2)); // nothing waits to retry
        var upload = Assert.Single(service.Uploaded);
        Assert.Equal(CertificateAuthorities.UnknownCaCode, upload.ErrorCode);
        Assert.Contains("'gone'", upload.ErrorMessage);
        Assert.Empty(_builtIn.Requests);
        Assert.Empty(_corp.Requests);
        Assert.Equal(0, EventLog.Count(ConnectorEvents.PkcsIssuedFailedAttempt));
    }
    [Fact]
    public void A_CA_that_demands_a_challenge_in_the_CSR_gets_a_fresh_one_in_each_CSR_and_the_others_none()
    {
        var challenges = new CountingChallenges();
        var credentials = new FakeCredentials();
        var cas = new CertificateAuthorities(
        [
            new NamedCa("builtin", NamedCa.BuiltInType, _builtIn, null, new UpProbe()),
            new NamedCa("corp", "scep", _corp, null, new UpProbe(), challenges),
        ], "builtin");
        var ports = new PkcsPorts(credentials, cas, new RecordingService(), EventLog, new PkcsOptions { MaxAttempts = 5 });

        Sys.ActorOf(PkcsRequestActor.Props("c1", ports)).Tell(new StartPkcsRequest(Samples.Request("c1") with { Ca = "corp" }), TestActor);
        Sys.ActorOf(PkcsRequestActor.Props("c2", ports)).Tell(new StartPkcsRequest(Samples.Request("c2") with { Ca = "corp" }), TestActor);
        Sys.ActorOf(PkcsRequestActor.Props("b1", ports)).Tell(new StartPkcsRequest(Samples.Request("b1")), TestActor);

        AdvanceUntil(() => EventLog.Count(ConnectorEvents.PkcsRequestSuccess) == 3);
        Assert.Equal(["(none)", "challenge-1", "challenge-2"], credentials.Challenges.Select(c => c ?? "(none)").Order(StringComparer.Ordinal));
        Assert.Equal(2, challenges.Count);
    }

    /// <summary>A one-time challenge per call, as NDES's mscep_admin page gives.</summary>
    private sealed class CountingChallenges : ICsrChallengeSource
    {
        private int _count;
        public int Count => _count;
        public Task<string?> NextAsync(CancellationToken cancellationToken) => Task.FromResult<string?>($"challenge-{Interlocked.Increment(ref _count)}");
    }
    [Fact]
    public void For_a_CA_outside_this_process_every_attempt_sends_the_CSR_journaled_before_the_first_even_after_a_restart()
    {
        // corp fails the first attempt (an answer lost to a time-out); the actor is then killed and recovered from the journal.
        var corp = new ScriptedCa(ScriptedCa.Transient("answer lost"));
        var credentials = new FakeCredentials();
        CertificateAuthorities Cas() => new(
        [
            new NamedCa("builtin", NamedCa.BuiltInType, _builtIn, null, new UpProbe()),
            new NamedCa("corp", "scep", corp, null, new UpProbe()),
        ], "builtin");
        var service = new RecordingService();
        var first = Sys.ActorOf(PkcsRequestActor.Props("resume", new PkcsPorts(credentials, Cas(), service, EventLog, new PkcsOptions { MaxAttempts = 5 })));
        first.Tell(new StartPkcsRequest(Samples.Request("resume") with { Ca = "corp" }));
        AwaitCondition(() => EventLog.Count(ConnectorEvents.PkcsIssuedFailedAttempt) == 1);
        Watch(first);
        first.Tell(Kill.Instance);
        ExpectTerminated(first);

        var second = Sys.ActorOf(PkcsRequestActor.Props("resume", new PkcsPorts(credentials, Cas(), service, EventLog, new PkcsOptions { MaxAttempts = 5 })));
        second.Tell(new StartPkcsRequest(Samples.Request("resume") with { Ca = "corp" }), TestActor);
        AdvanceUntil(() => EventLog.Count(ConnectorEvents.PkcsRequestSuccess) == 1);

        var sent = corp.Requests.Select(r => Convert.ToHexString(r.CsrDer)).ToList();
        Assert.Equal(2, sent.Count);
        Assert.Single(sent.Distinct()); // one key, one CSR, whatever happened in between
        Assert.Single(credentials.Challenges);
        ExpectMsg<PkcsRequestCompleted>();
        second.Tell(new GetRequestView("resume"));
        Assert.DoesNotContain(ExpectMsg<RequestView>().History, h => h.Detail.Contains("key:"));
    }

    [Fact]
    public void The_built_in_CA_gets_a_new_key_per_attempt_and_nothing_about_it_is_journaled()
    {
        var builtIn = new ScriptedCa(ScriptedCa.Transient());
        var credentials = new FakeCredentials();
        var ports = new PkcsPorts(credentials, new CertificateAuthorities([new NamedCa("builtin", NamedCa.BuiltInType, builtIn, null, new UpProbe())], "builtin"),
            new RecordingService(), EventLog, new PkcsOptions { MaxAttempts = 5 });
        var actor = Sys.ActorOf(PkcsRequestActor.Props("in-process", ports));
        actor.Tell(new StartPkcsRequest(Samples.Request("in-process")), TestActor);
        AdvanceUntil(() => EventLog.Count(ConnectorEvents.PkcsRequestSuccess) == 1);

        Assert.Equal(2, builtIn.Requests.Select(r => Convert.ToHexString(r.CsrDer)).Distinct().Count());
        ExpectMsg<PkcsRequestCompleted>();
        actor.Tell(new GetRequestView("in-process"));
        Assert.DoesNotContain(ExpectMsg<RequestView>().History, h => h.Event == "KeyMade");
    }
}
