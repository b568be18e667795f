using Akka.Actor;
using CertConnector.Actors.Logging;
using CertConnector.Actors.Ports;
using CertConnector.Actors.Revocation;

namespace CertConnector.Actors.Tests.Revocation;

/// <summary>A revocation goes to the CA it names, else to the CA the issued store says issued the serial, else to the default CA.</summary>
public sealed class RevocationCaRoutingTests : RequestActorTestKit
{
    private readonly ScriptedRevoker _builtIn = new();
    private readonly ScriptedRevoker _corp = new();

    private RevocationPorts Ports(RecordingRevocationService service, IReadOnlyDictionary<string, string> issuedBy) => new(new CertificateAuthorities(
    [
        new NamedCa("builtin", NamedCa.BuiltInType, new ScriptedCa(), _builtIn, new UpProbe()),
        new NamedCa("corp", "test", new ScriptedCa(), _corp, new UpProbe()),
        new NamedCa("upstream", "scep", new ScriptedCa(), null, new UpProbe()), // cannot revoke
    ], "builtin"), new Lookup(issuedBy), service, EventLog, new RevocationOptions { MaxAttempts = 3 });

    [Fact]
    public void A_serial_goes_to_the_CA_that_issued_it_or_the_one_named_and_a_third_party_CA_is_logged_with_3032()
    {
        var service = new RecordingRevocationService();
        var ports = Ports(service, new Dictionary<string, string> { ["0C"] = "corp", ["0B"] = "builtin" });
        Sys.ActorOf(RevocationRequestActor.Props("by-store", ports)).Tell(new StartRevocationRequest(new("by-store", "0C", RevocationReason.KeyCompromise)));
        Sys.ActorOf(RevocationRequestActor.Props("builtin-row", ports)).Tell(new StartRevocationRequest(new("builtin-row", "0B", RevocationReason.Unspecified)));
        Sys.ActorOf(RevocationRequestActor.Props("named", ports)).Tell(new StartRevocationRequest(new("named", "0B", RevocationReason.Unspecified, Ca: "corp")));
        Sys.ActorOf(RevocationRequestActor.Props("unknown-serial", ports)).Tell(new StartRevocationRequest(new("unknown-serial", "0D", RevocationReason.Unspecified)));

        AdvanceUntil(() => EventLog.Count(ConnectorEvents.RevokeUploadedRequest) == 4);
        Assert.Equal(2, _corp.Calls); // by-store, named
        Assert.Equal(2, _builtIn.Calls); // builtin-row, unknown-serial (the default)
        Assert.Equal(["by-store", "named"], EventLog.Of(ConnectorEvents.RevokeDigicertRequest).Select(e => e.RequestId).Order());
        Assert.All(service.Uploaded, r => Assert.True(r.Succeeded));
    }

    [Fact]
    public void A_CA_that_cannot_revoke_or_is_unknown_fails_the_revocation_for_good_with_its_reason_uploaded_once()
    {
        var service = new RecordingRevocationService();
        var ports = Ports(service, new Dictionary<string, string>());
        Sys.ActorOf(RevocationRequestActor.Props("upstream", ports)).Tell(new StartRevocationRequest(new("upstream", "0A", RevocationReason.Unspecified, Ca: "upstream")));
        Sys.ActorOf(RevocationRequestActor.Props("gone", ports)).Tell(new StartRevocationRequest(new("gone", "0A", RevocationReason.Unspecified, Ca: "gone")));

        AdvanceUntil(() => EventLog.Count(ConnectorEvents.RevokeUploadedRequest) == 2);
        Scheduler.Advance(TimeSpan.FromHours(2));
        var results = service.Uploaded.ToDictionary(r => r.RequestId);
        Assert.Equal(2, service.Uploaded.Count);
        Assert.Equal((false, RevocationRequestState.FinalErrorCode), (results["upstream"].Succeeded, results["upstream"].ErrorCode));
        Assert.Contains(CertificateAuthorities.CannotRevokeCode, results["upstream"].ErrorMessage);
        Assert.Contains(CertificateAuthorities.UnknownCaCode, results["gone"].ErrorMessage);
        Assert.Equal(0, EventLog.Count(ConnectorEvents.RevokeFailedAttempt));
        Assert.Equal(0, _builtIn.Calls + _corp.Calls);
    }

    [Fact]
    public void The_CAs_own_error_code_and_text_reach_the_result_with_the_CA_named()
    {
        var corp = new ScriptedRevoker(ScriptedRevoker.NotFound());
        var service = new RecordingRevocationService();
        var ports = new RevocationPorts(new CertificateAuthorities([new NamedCa("corp", "test", new ScriptedCa(), corp, new UpProbe())], "corp"), null, service,
            EventLog, new RevocationOptions());
        Sys.ActorOf(RevocationRequestActor.Props("nf", ports)).Tell(new StartRevocationRequest(new("nf", "0A", RevocationReason.Unspecified)));

        AdvanceUntil(() => EventLog.Count(ConnectorEvents.RevokeUploadedRequest) == 1);
        var result = Assert.Single(service.Uploaded);
        Assert.Equal(RevocationRequestState.NotFoundCode, result.ErrorCode); // the CA's NotFound code still maps to 4004
        Assert.Contains("CA 'corp': no such serial", result.ErrorMessage);
    }

    private sealed class Lookup(IReadOnlyDictionary<string, string> issuedBy) : IIssuingCaLookup
    {
        public Task<string?> IssuingCaOfAsync(string serialNumber, CancellationToken cancellationToken) => Task.FromResult(issuedBy.GetValueOrDefault(serialNumber));
    }
}
