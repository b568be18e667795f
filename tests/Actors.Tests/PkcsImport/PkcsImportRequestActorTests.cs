using CertConnector.Actors.Common;
using Akka.Actor;
using CertConnector.Actors.Logging;
using CertConnector.Actors.PkcsImport;
using CertConnector.Actors.Ports;

namespace CertConnector.Actors.Tests.PkcsImport;

/// <summary>The import actor under TestKit with the test scheduler: retries fire when the test moves the clock.</summary>
public sealed class PkcsImportRequestActorTests : RequestActorTestKit
{
    private static readonly PkcsImportRequest Request = new("im-1", "alice@contoso.example", [1, 2, 3], [4, 5, 6], "oaepSha256", [7, 8]);

    private PkcsImportPorts Ports(IConnectorKeyCipher cipher, IPkcsImportService service) =>
        new(cipher, service, EventLog, new PkcsImportOptions { MaxAttempts = 4 });

    [Fact]
    public void Without_the_key_twice_then_with_it_two_retries_one_reencryption_one_upload()
    {
        var cipher = new ScriptedCipher(reencrypt: [ScriptedCipher.KeyMissing(), ScriptedCipher.KeyMissing()]);
        var service = new RecordingImportService();
        var actor = Sys.ActorOf(PkcsImportRequestActor.Props("im-1", Ports(cipher, service)));

        actor.Tell(new StartPkcsImportRequest(Request), TestActor);

        AdvanceUntil(() => EventLog.Count(ConnectorEvents.PkcsImportRequestSuccess) == 1);
        ExpectMsg<PkcsImportRequestCompleted>(c => c.Succeeded && c.RequestId == "im-1");
        Assert.Equal(1, EventLog.Count(ConnectorEvents.PkcsImportDownloadedRequest));
        Assert.Equal(2, EventLog.Count(ConnectorEvents.PkcsImportReencryptFailedAttempt));
        Assert.Equal(1, EventLog.Count(ConnectorEvents.PkcsImportReencryptSuccess));
        Assert.Equal(1, EventLog.Count(ConnectorEvents.PkcsImportUploadedRequest));
        Assert.Equal(1, EventLog.Count(ConnectorEvents.PkcsImportUploadSuccess));
        Assert.Equal(0, EventLog.Count(ConnectorEvents.PkcsImportRequestFailure));
        Assert.Equal(3, cipher.ReencryptCalls);
        var upload = Assert.Single(service.Uploaded);
        Assert.True(upload.Succeeded);
        Assert.Equal("sealed:im-1"u8.ToArray(), upload.EncryptedPassword);
    }

    [Theory]
    [InlineData("PfxPasswordMismatch")]
    [InlineData("UnsupportedPadding")]
    [InlineData("PfxIncomplete")]
    [InlineData("PfxIterationCountTooHigh")]
    [InlineData("PfxTooManyBags")]
    [InlineData("PfxWithoutMac")]
    [InlineData("PfxUnencryptedKey")]
    [InlineData("PfxTooLarge")]
    public void A_final_error_uploads_one_failure_and_never_retries(string code)
    {
        var cipher = new ScriptedCipher(reencrypt: [ScriptedCipher.Final(code)]);
        var service = new RecordingImportService();
        var actor = Sys.ActorOf(PkcsImportRequestActor.Props("im-1", Ports(cipher, service)));

        actor.Tell(new StartPkcsImportRequest(Request), TestActor);

        ExpectMsg<PkcsImportRequestCompleted>(c => !c.Succeeded);
        Scheduler.Advance(TimeSpan.FromHours(2)); // no timer may be waiting to retry
        actor.Tell(new GetRequestView("im-1"));
        var view = ExpectMsg<RequestView>();
        Assert.Equal("Failed", view.State);
        Assert.Equal(code, Assert.IsType<PkcsImportViewDetails>(view.Details).Failure?.Code);
        Assert.Equal(1, cipher.ReencryptCalls);
        var upload = Assert.Single(service.Uploaded);
        Assert.False(upload.Succeeded);
        Assert.Equal(code, upload.ErrorCode);
        Assert.Null(upload.EncryptedPassword);
        Assert.Equal(0, EventLog.Count(ConnectorEvents.PkcsImportReencryptFailedAttempt));
        Assert.Equal(1, EventLog.Count(ConnectorEvents.PkcsImportReencryptFailure));
        Assert.Equal(1, EventLog.Count(ConnectorEvents.PkcsImportRequestFailure));
    }

    [Fact]
    public void A_step_that_overruns_its_time_out_without_observing_it_fails_as_a_timeout_and_the_retry_completes()
    {
        using var neverEnds = new ManualResetEventSlim();
        var cipher = new ScriptedCipher(reencrypt: [neverEnds]);
        var service = new RecordingImportService();
        var ports = new PkcsImportPorts(cipher, service, EventLog, new PkcsImportOptions { MaxAttempts = 4, CaTimeout = TimeSpan.FromMilliseconds(200) });
        var actor = Sys.ActorOf(PkcsImportRequestActor.Props("im-1", ports));
        try
        {
            actor.Tell(new StartPkcsImportRequest(Request), TestActor);

            AdvanceUntil(() => EventLog.Count(ConnectorEvents.PkcsImportRequestSuccess) == 1);
            ExpectMsg<PkcsImportRequestCompleted>(c => c.Succeeded);
            var attempt = Assert.Single(EventLog.Of(ConnectorEvents.PkcsImportReencryptFailedAttempt));
            Assert.Contains("Timeout", attempt.Message);
            Assert.Equal(2, cipher.ReencryptCalls);
            Assert.True(Assert.Single(service.Uploaded).Succeeded);
        }
        finally
        {
            neverEnds.Set(); // its late result has nobody to go to
        }
    }

    [Fact]
    public void Without_the_key_to_the_limit_it_fails_for_good_and_uploads_the_failure()
    {
        var cipher = new ScriptedCipher(reencrypt: [.. Enumerable.Range(0, 4).Select(_ => (object)ScriptedCipher.KeyMissing())]);
        var service = new RecordingImportService();
        var actor = Sys.ActorOf(PkcsImportRequestActor.Props("im-1", Ports(cipher, service)));

        actor.Tell(new StartPkcsImportRequest(Request), TestActor);

        AdvanceUntil(() => EventLog.Count(ConnectorEvents.PkcsImportRequestFailure) == 1);
        Assert.Equal(3, EventLog.Count(ConnectorEvents.PkcsImportReencryptFailedAttempt));
        Assert.Equal(4, cipher.ReencryptCalls);
        var upload = Assert.Single(service.Uploaded);
        Assert.Equal(IConnectorKeyCipher.KeyUnavailableCode, upload.ErrorCode);
        Assert.StartsWith("Gave up after 4 attempts", upload.ErrorMessage);
    }

    [Fact]
    public void Killed_after_reencrypting_the_recreated_actor_uploads_once_and_does_not_decrypt_again()
    {
        var cipher = new ScriptedCipher();
        var service = new RecordingImportService(hangFirst: 1);
        var ports = Ports(cipher, service);
        var first = Sys.ActorOf(PkcsImportRequestActor.Props("im-1", ports));
        first.Tell(new StartPkcsImportRequest(Request));
        AwaitCondition(() => EventLog.Count(ConnectorEvents.PkcsImportReencryptSuccess) == 1);

        Watch(first);
        first.Tell(Kill.Instance);
        ExpectTerminated(first);
        Assert.Empty(service.Uploaded);

        var second = Sys.ActorOf(PkcsImportRequestActor.Props("im-1", ports));
        AwaitCondition(() => EventLog.Count(ConnectorEvents.PkcsImportRequestSuccess) == 1);
        Assert.Equal(1, cipher.ReencryptCalls);
        Assert.Equal("sealed:im-1"u8.ToArray(), Assert.Single(service.Uploaded).EncryptedPassword);

        second.Tell(new StartPkcsImportRequest(Request), TestActor); // a second download changes nothing: it only hears the outcome again
        ExpectMsg<PkcsImportRequestCompleted>(c => c.Succeeded);
        Assert.Single(service.Uploaded);
        second.Tell(new GetRequestView("im-1"));
        var view = ExpectMsg<RequestView>();
        Assert.Equal("Uploaded", view.State);
        Assert.Equal(["Downloaded", "Reencrypted", "Uploaded"], view.History.Select(h => h.Event));
    }
}
