using CertConnector.Actors.Common;
using Akka.Actor;
using CertConnector.Actors.Logging;
using CertConnector.Actors.Ports;
using CertConnector.Actors.Recrypt;
using CertConnector.Actors.Tests.PkcsImport;

namespace CertConnector.Actors.Tests.Recrypt;

/// <summary>The recrypt actor under TestKit with the test scheduler.</summary>
public sealed class RecryptRequestActorTests : RequestActorTestKit
{
    private static readonly RecryptRequest Request = new("rc-1", "payload"u8.ToArray(), [7, 8]);

    private RecryptPorts Ports(IConnectorKeyCipher cipher, IRecryptService service) =>
        new(cipher, service, EventLog, new RecryptOptions { MaxAttempts = 4 });

    [Fact]
    public void Decrypted_then_reencrypted_one_upload_and_the_plaintext_is_cleared()
    {
        var cipher = new ScriptedCipher();
        var service = new RecordingRecryptService();
        var actor = Sys.ActorOf(RecryptRequestActor.Props("rc-1", Ports(cipher, service)));

        actor.Tell(new StartRecryptRequest(Request), TestActor);

        ExpectMsg<RecryptRequestCompleted>(c => c.Succeeded);
        var upload = Assert.Single(service.Uploaded);
        Assert.Equal("to-recipient:payload"u8.ToArray(), upload.EncryptedPayload);
        Assert.Equal(0, Assert.Single(cipher.Opened).Length); // disposed: zeroed and dropped
        foreach (var (definition, count) in new[]
                 {
                     (ConnectorEvents.PkcsRecryptDownloadedRequest, 1), (ConnectorEvents.PkcsRecryptDecryptSuccess, 1),
                     (ConnectorEvents.PkcsRecryptReencryptSuccess, 1), (ConnectorEvents.PkcsRecryptUploadedRequest, 1),
                     (ConnectorEvents.PkcsRecryptUploadSuccess, 1), (ConnectorEvents.PkcsRecryptRequestSuccess, 1),
                     (ConnectorEvents.PkcsRecryptRequestFailure, 0), (ConnectorEvents.PkcsRecryptDecryptFailure, 0),
                 })
            Assert.True(EventLog.Count(definition) == count, $"{definition.Name}: {EventLog.Count(definition)}");
        actor.Tell(new GetRequestView("rc-1"));
        Assert.Equal(["Downloaded", "Decrypted", "Reencrypted", "Uploaded"], ExpectMsg<RequestView>().History.Select(h => h.Event));
    }

    [Fact]
    public void An_envelope_the_key_cannot_open_fails_decrypting_for_good_without_reencrypting()
    {
        var cipher = new ScriptedCipher(open: [ScriptedCipher.Final("BadPayload")]);
        var service = new RecordingRecryptService();
        var actor = Sys.ActorOf(RecryptRequestActor.Props("rc-1", Ports(cipher, service)));

        actor.Tell(new StartRecryptRequest(Request), TestActor);

        ExpectMsg<RecryptRequestCompleted>(c => !c.Succeeded);
        Scheduler.Advance(TimeSpan.FromHours(2));
        Assert.Equal((1, 0), (cipher.OpenCalls, cipher.SealCalls));
        var upload = Assert.Single(service.Uploaded);
        Assert.Equal("BadPayload", upload.ErrorCode);
        Assert.Equal(1, EventLog.Count(ConnectorEvents.PkcsRecryptDecryptFailure));
        Assert.Equal(0, EventLog.Count(ConnectorEvents.PkcsRecryptDecryptSuccess));
        Assert.Equal(1, EventLog.Count(ConnectorEvents.PkcsRecryptRequestFailure));
    }

    [Fact]
    public void A_recipient_that_cannot_be_enveloped_to_fails_reencrypting_for_good_after_the_decryption()
    {
        var cipher = new ScriptedCipher(seal: [ScriptedCipher.Final("BadDeviceCertificate")]);
        var service = new RecordingRecryptService();
        var actor = Sys.ActorOf(RecryptRequestActor.Props("rc-1", Ports(cipher, service)));

        actor.Tell(new StartRecryptRequest(Request), TestActor);

        ExpectMsg<RecryptRequestCompleted>(c => !c.Succeeded);
        Assert.Equal((1, 1), (cipher.OpenCalls, cipher.SealCalls));
        Assert.Equal(0, Assert.Single(cipher.Opened).Length);
        Assert.Equal("BadDeviceCertificate", Assert.Single(service.Uploaded).ErrorCode);
        Assert.Equal(1, EventLog.Count(ConnectorEvents.PkcsRecryptDecryptSuccess));
        Assert.Equal(1, EventLog.Count(ConnectorEvents.PkcsRecryptReencryptFailure));
        actor.Tell(new GetRequestView("rc-1"));
        var view = ExpectMsg<RequestView>();
        Assert.Equal("Reencrypt", Assert.IsType<RecryptViewDetails>(view.Details).FailedStage);
        Assert.Equal(["Downloaded", "Decrypted", "Failed", "Uploaded"], view.History.Select(h => h.Event));
    }

    [Fact]
    public void Without_the_key_it_retries_then_succeeds_once_the_key_is_there()
    {
        var cipher = new ScriptedCipher(open: [ScriptedCipher.KeyMissing()]);
        var service = new RecordingRecryptService();
        var actor = Sys.ActorOf(RecryptRequestActor.Props("rc-1", Ports(cipher, service)));

        actor.Tell(new StartRecryptRequest(Request), TestActor);

        AdvanceUntil(() => EventLog.Count(ConnectorEvents.PkcsRecryptRequestSuccess) == 1);
        Assert.Equal(1, EventLog.Count(ConnectorEvents.PkcsRecryptDecryptFailure)); // the attempt, reported as it failed
        Assert.Equal(2, cipher.OpenCalls);
        Assert.True(Assert.Single(service.Uploaded).Succeeded);
    }

    [Fact]
    public void Killed_after_reencrypting_the_recreated_actor_uploads_once_and_does_not_decrypt_again()
    {
        var cipher = new ScriptedCipher();
        var service = new RecordingRecryptService(hangFirst: 1);
        var ports = Ports(cipher, service);
        var first = Sys.ActorOf(RecryptRequestActor.Props("rc-1", ports));
        first.Tell(new StartRecryptRequest(Request));
        AwaitCondition(() => EventLog.Count(ConnectorEvents.PkcsRecryptReencryptSuccess) == 1);

        Watch(first);
        first.Tell(Kill.Instance);
        ExpectTerminated(first);

        var second = Sys.ActorOf(RecryptRequestActor.Props("rc-1", ports));
        AwaitCondition(() => EventLog.Count(ConnectorEvents.PkcsRecryptRequestSuccess) == 1);
        Assert.Equal((1, 1), (cipher.OpenCalls, cipher.SealCalls));
        Assert.Single(service.Uploaded);
        second.Tell(new GetRequestView("rc-1"));
        Assert.Equal("Uploaded", ExpectMsg<RequestView>().State);
    }
}
