using System.Text;
using Akka.Actor;
using Akka.Cluster.Sharding;
using Akka.Persistence;
using CertConnector.Actors.Common;
using CertConnector.Actors.Logging;
using CertConnector.Actors.Pkcs;
using CertConnector.Actors.Ports;
using CertConnector.Actors.Revocation;
using CertConnector.Actors.PkcsImport;
using CertConnector.Actors.Recrypt;
using CertConnector.Actors.Tests.Common;
using CertConnector.Actors.Tests.Pkcs;
using CertConnector.Actors.Tests.Revocation;
using CertConnector.Adapters.Persistence;

namespace CertConnector.Actors.Tests.RequestViews;

/// <summary>
/// <see cref="GetRequestView"/>, the one query every request actor answers, is read-only: an unknown ID answers unknown, journals nothing, calls no port and asks its shard to stop
/// it; a known request answers from its state without running anything; the view carries no secret.
/// </summary>
public sealed class RequestViewTests : RequestActorTestKit
{
    private static readonly byte[] PfxSecret = Encoding.ASCII.GetBytes("PFX-SECRET-0123456789-abcdef");
    private static readonly byte[] PasswordSecret = Encoding.ASCII.GetBytes("PASSWORD-SECRET-9876543210");

    private PkcsPorts Ports(ICertificateAuthority ca, IPkcsService service, IPkcsCredentialFactory? credentials = null) =>
        new(credentials ?? new FakeCredentials(), ca, service, EventLog, new PkcsOptions { MaxAttempts = 5 });

    [Fact]
    public void An_unknown_PKCS_ID_answers_unknown_journals_nothing_calls_no_port_and_passivates()
    {
        var ca = new ScriptedCa();
        var service = new RecordingService();
        var shard = CreateTestProbe();
        var entity = Sys.ActorOf(Props.Create(() => new ShardStandIn(PkcsRequestActor.Props("nope", Ports(ca, service)), shard.Ref)));

        entity.Tell(new GetRequestView("nope"), TestActor);

        var view = ExpectMsg<RequestView>();
        Assert.False(view.Known);
        Assert.Equal("pkcs", view.Feature);
        Assert.Equal("Unknown", view.State);
        Assert.Null(view.Details);
        Assert.Empty(view.History);
        shard.ExpectMsg<Passivate>(); // the entity asks to be stopped: it is not kept, nor remembered
        Scheduler.Advance(TimeSpan.FromHours(1));
        Assert.Equal(0, ca.Calls);
        Assert.Equal(0, service.DownloadCalls);
        Assert.Empty(service.Uploaded);
        Assert.Empty(EventLog.Events);
        Assert.Equal(0, JournaledCount("pkcs-nope"));
    }

    [Fact]
    public void An_unknown_revocation_ID_answers_unknown_journals_nothing_and_passivates()
    {
        var shard = CreateTestProbe();
        var revoker = new ScriptedRevoker();
        var service = new RecordingRevocationService();
        var ports = new RevocationPorts(CertificateAuthorities.Single(new ScriptedCa(), revoker), null, service, EventLog, new RevocationOptions());
        var entity = Sys.ActorOf(Props.Create(() => new ShardStandIn(RevocationRequestActor.Props("nope", ports), shard.Ref)));

        entity.Tell(new GetRequestView("nope"), TestActor);

        Assert.False(ExpectMsg<RequestView>().Known);
        shard.ExpectMsg<Passivate>();
        Assert.Equal(0, revoker.Calls);
        Assert.Empty(service.Uploaded);
        Assert.Equal(0, JournaledCount("revocation-nope"));
    }

    /// <summary>The features that came later answer the same one query, named by their own role, and stay as unkept as the others.</summary>
    [Fact]
    public void An_unknown_import_or_recrypt_ID_answers_the_one_query_unknown_journals_nothing_and_passivates()
    {
        var cipher = new ScriptedCipher();
        var entities = new (string Feature, string PersistenceId, Props Props)[]
        {
            ("pkcs-import", PkcsImportRequestActor.PersistenceIdOf("nope"), PkcsImportRequestActor.Props("nope",
                new PkcsImportPorts(cipher, new RecordingImportService(), EventLog, new PkcsImportOptions()))),
            ("recrypt", RecryptRequestActor.PersistenceIdOf("nope"), RecryptRequestActor.Props("nope",
                new RecryptPorts(cipher, new RecordingRecryptService(), EventLog, new RecryptOptions()))),
        };
        foreach (var (feature, persistenceId, props) in entities)
        {
            var shard = CreateTestProbe();
            var entity = Sys.ActorOf(Props.Create(() => new ShardStandIn(props, shard.Ref)));

            entity.Tell(new GetRequestView("nope"), TestActor);

            var view = ExpectMsg<RequestView>();
            Assert.Equal((feature, false), (view.Feature, view.Known));
            Assert.Null(view.Details);
            shard.ExpectMsg<Passivate>();
            Assert.Equal(0, JournaledCount(persistenceId));
        }
        Assert.Equal((0, 0, 0), (cipher.ReencryptCalls, cipher.OpenCalls, cipher.SealCalls));
        Assert.Empty(EventLog.Events);
    }

    [Fact]
    public void An_issued_and_uploaded_request_shows_its_serial_and_state_and_the_query_journals_nothing()
    {
        var ca = new ScriptedCa();
        var service = new RecordingService();
        var actor = Sys.ActorOf(PkcsRequestActor.Props("req-1", Ports(ca, service)));
        actor.Tell(new StartPkcsRequest(Samples.Request()), TestActor);
        ExpectMsg<PkcsRequestCompleted>(c => c.Succeeded);
        var journaled = JournaledCount("pkcs-req-1");
        Assert.True(journaled >= 3); // downloaded, issued, uploaded

        actor.Tell(new GetRequestView("req-1"));
        var view = ExpectMsg<RequestView>();

        Assert.True(view.Known);
        Assert.Equal("Uploaded", view.State);
        Assert.True(view.ResultDelivered);
        Assert.Equal(Assert.Single(service.Uploaded).SerialNumber, view.SerialNumber);
        Assert.Equal("THUMB" + view.SerialNumber, view.Thumbprint);
        Assert.Equal(DateTimeOffset.Parse("2030-01-01T00:00:00Z"), view.ExpiresAt);
        Assert.Null(view.ErrorCode);
        Assert.Equal(["Downloaded", "Issued", "Uploaded"], view.History.Select(h => h.Event));
        var details = Assert.IsType<PkcsViewDetails>(view.Details);
        Assert.Equal((Samples.Request().SubjectName, Samples.Request().TemplateName, Samples.Request().KeySpec.ToString()),
            (details.Subject, details.Template, details.Key));
        Assert.Null(details.Failure);
        Assert.Equal(journaled, JournaledCount("pkcs-req-1"));
    }

    [Fact]
    public void A_query_while_waiting_to_retry_shows_the_failure_and_neither_retries_nor_journals()
    {
        var ca = new ScriptedCa(ScriptedCa.Transient("CA busy"));
        var service = new RecordingService();
        var actor = Sys.ActorOf(PkcsRequestActor.Props("req-1", Ports(ca, service)));
        actor.Tell(new StartPkcsRequest(Samples.Request()));
        AwaitCondition(() => EventLog.Count(ConnectorEvents.PkcsIssuedFailedAttempt) == 1);
        var journaled = JournaledCount("pkcs-req-1");

        for (var i = 0; i < 5; i++) actor.Tell(new GetRequestView("req-1"));
        var views = Enumerable.Range(0, 5).Select(_ => ExpectMsg<RequestView>()).ToList();

        Assert.All(views, v => Assert.Equal("FailedAttempt", v.State));
        Assert.All(views, v => Assert.Equal(1, v.Attempts));
        Assert.All(views, v => Assert.Equal("CA busy", v.ErrorMessage));
        Assert.All(views, v => Assert.NotNull(v.NextAttemptAt));
        Assert.All(views, v => Assert.Equal("CA busy", Assert.IsType<PkcsViewDetails>(v.Details).Failure?.Message));
        Assert.Equal(1, ca.Calls); // the queries started no retry
        Assert.Equal(journaled, JournaledCount("pkcs-req-1"));

        AdvanceUntil(() => EventLog.Count(ConnectorEvents.PkcsRequestSuccess) == 1); // the timer still retries, once
        Assert.Equal(2, ca.Calls);
    }

    [Fact]
    public void The_view_of_an_issued_request_carries_no_key_password_or_PFX()
    {
        var service = new RecordingService();
        var actor = Sys.ActorOf(PkcsRequestActor.Props("req-1", Ports(new ScriptedCa(), service, new SecretCredentials())));
        actor.Tell(new StartPkcsRequest(Samples.Request()), TestActor);
        ExpectMsg<PkcsRequestCompleted>(c => c.Succeeded);
        Assert.Equal(PfxSecret, Assert.Single(service.Uploaded).EncryptedPfx); // the secrets were there to leak

        actor.Tell(new GetRequestView("req-1"));
        var view = ExpectMsg<RequestView>();
        var serializer = new ConnectorJsonSerializer((ExtendedActorSystem)Sys, null, [PkcsManifests.Table]);
        var wire = Encoding.UTF8.GetString(serializer.ToBinary(view));

        Assert.Contains(view.SerialNumber!, wire);
        var details = Assert.IsType<PkcsViewDetails>(view.Details);
        Assert.Contains(details.Subject, wire); // the feature's own part is on the wire too, under its manifest
        Assert.Contains("\"pkcs.view-details.v1\"", wire);
        foreach (var secret in new[] { PfxSecret, PasswordSecret })
        {
            Assert.DoesNotContain(Convert.ToBase64String(secret), wire);
            Assert.DoesNotContain(Encoding.ASCII.GetString(secret), wire);
            Assert.DoesNotContain(Convert.ToHexString(secret), wire, StringComparison.OrdinalIgnoreCase);
        }
        Assert.DoesNotContain(typeof(RequestView).GetProperties().Concat(typeof(PkcsViewDetails).GetProperties()), p => p.PropertyType == typeof(byte[]));
        var back = Assert.IsType<RequestView>(serializer.FromBinary(serializer.ToBinary(view), serializer.Manifest(view)));
        Assert.Equal(view with { History = [] }, back with { History = [] }); // lists compare by reference in a record
        Assert.Equal(view.History, back.History);
    }

    /// <summary>How many events the journal holds for a persistence ID, read by a fresh actor's recovery.</summary>
    private long JournaledCount(string persistenceId)
    {
        var reader = Sys.ActorOf(Props.Create(() => new JournalReader(persistenceId, TestActor)));
        var count = ExpectMsg<JournalReader.Recovered>().Events;
        Sys.Stop(reader);
        return count;
    }

    private sealed class JournalReader : ReceivePersistentActor
    {
        public sealed record Recovered(long Events);
        private long _events;

        public JournalReader(string persistenceId, IActorRef report)
        {
            PersistenceId = persistenceId;
            Recover<RecoveryCompleted>(_ => report.Tell(new Recovered(_events)));
            Recover<object>(_ => _events++);
        }

        public override string PersistenceId { get; }
    }

    /// <summary>Parent in the shard's place: forwards what the test sends to the entity, and what the entity sends its parent to a probe.</summary>
    private sealed class ShardStandIn : ReceiveActor
    {
        public ShardStandIn(Props entity, IActorRef shard)
        {
            var child = Context.ActorOf(entity, "entity");
            ReceiveAny(m =>
            {
                if (Sender.Equals(child)) shard.Forward(m);
                else child.Forward(m);
            });
        }
    }

    private sealed class SecretCredentials : IPkcsCredentialFactory
    {
        private readonly FakeCredentials _inner = new();
        public void ValidateDeviceCertificate(byte[] deviceCertificateDer, DateTimeOffset now) { }
        public PendingCredential CreateKeyAndCsr(KeySpec keySpec, string subjectName, IReadOnlyList<SubjectAltName> sans, string? challengePassword = null) =>
            _inner.CreateKeyAndCsr(keySpec, subjectName, sans, challengePassword);
        public SealedCredential Seal(PendingCredential pending, IssuedCertificate certificate, byte[] deviceCertificateDer) =>
            new(PfxSecret, PasswordSecret);
        public byte[] ExportKey(PendingCredential pending) => _inner.ExportKey(pending);
        public PendingCredential Restore(byte[] keyPkcs8, byte[] csrDer) => _inner.Restore(keyPkcs8, csrDer);
    }
}
