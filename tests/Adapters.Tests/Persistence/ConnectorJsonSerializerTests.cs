using CertConnector.Actors.Cluster;
using System.Collections.Immutable;
using Akka.Actor;
using Akka.Actor.Setup;
using Akka.Serialization;
using CertConnector.Actors.Common;
using CertConnector.Actors.Pkcs;
using CertConnector.Actors.Revocation;
using CertConnector.Actors.PkcsImport;
using CertConnector.Actors.Recrypt;
using CertConnector.Actors.Scep;
using CertConnector.Actors.Ports;
using CertConnector.Adapters.Persistence;

namespace CertConnector.Adapters.Tests.Persistence;

/// <summary>Every persisted or remoted type round-trips through our serializer, and Akka picks it. The serializer
/// is registered as the host registers it (a setup with a sealing key), not by HOCON, which cannot pass a key.</summary>
public sealed class ConnectorJsonSerializerTests() : Akka.TestKit.Xunit2.TestKit(BootstrapSetup.Create().And(SerializationSetup.Create(system =>
    ImmutableHashSet.Create(SerializerDetails.Create("connector-json", new ConnectorJsonSerializer(system, TestSealingKey, AllManifests.FeatureTables),
        ImmutableHashSet.CreateRange(ConnectorJsonSerializer.BoundTypes))))))
{
    /// <summary>A fixed key for tests; the host derives its key from the CA key.</summary>
    public static readonly JournalSealingKey TestSealingKey = new(Enumerable.Range(1, 32).Select(i => (byte)i).ToArray());

    private static readonly DateTimeOffset T = DateTimeOffset.Parse("2026-11-25T12:34:56.789+00:00");
    private static readonly PkcsRequest Request = new("r-1", "CN=Alice,O=Contoso", [new("upn", "alice@contoso.com"), new("dns", "a.contoso.com")],
        "smime", new KeySpec(KeyAlgorithm.Ecdsa, 384), [0x30, 0x82, 0x01], "user", "S-1-5-21-1-2-3-1001", 365);

    private static readonly RevocationRequest Revocation = new("rv-1", "0A1B", RevocationReason.KeyCompromise, "CN=CA");
    private static readonly PkcsImportRequest Import = new("im-1", "alice@contoso.com", [0x30, 0x82], [1, 2, 3], "oaepSha256", [0x30, 0x01], "AB12", "key-1");
    private static readonly RecryptRequest Recrypt = new("rc-1", [0x30, 0x80], [0x30, 0x01]);

    /// <summary>One sample per manifest; a type added to the serializer without a sample fails the coverage test.</summary>
    public static readonly IReadOnlyDictionary<Type, object> Samples = new Dictionary<Type, object>
    {
        [typeof(PkcsRequestDownloaded)] = new PkcsRequestDownloaded("r-1", Request, T),
        [typeof(PkcsCertificateIssued)] = new PkcsCertificateIssued("r-1", [1, 2], [3, 4], [5, 6], "0A1B", "ABCD", T.AddYears(1), T),
        [typeof(PkcsKeyMade)] = new PkcsKeyMade("r-1", [0x30, 0x02, 1, 2], [0x30, 0x02, 3, 4], T),
        [typeof(PkcsAttemptFailed)] = new PkcsAttemptFailed("r-1", PkcsStage.Upload, 3, new FailureReason("X", "y", true), T.AddMinutes(1), T),
        [typeof(PkcsRequestFailed)] = new PkcsRequestFailed("r-1", new FailureReason("CaDenied", "no", false), T),
        [typeof(PkcsResultUploaded)] = new PkcsResultUploaded("r-1", true, T),
        [typeof(StartPkcsRequest)] = new StartPkcsRequest(Request),
        [typeof(PkcsRequestCompleted)] = new PkcsRequestCompleted("r-1", false),
        [typeof(GetRequestView)] = new GetRequestView("r-1"),
        [typeof(RequestView)] = new RequestView("pkcs", "r-1", true, "FailedAttempt", 2, T.AddMinutes(1), "CaUnavailable", "busy", "0A", "TH", T.AddYears(1), false,
            [new HistoryEntry(T, "Downloaded", "x")], new PkcsViewDetails("CN=Alice,O=Contoso", "smime", "ec:p384", new FailureReason("CaUnavailable", "busy", true))),
        [typeof(PkcsViewDetails)] = new PkcsViewDetails("CN=Alice,O=Contoso", "smime", "ec:p384", new FailureReason("A", "b", true)),
        [typeof(ScepRequestReceived)] = new ScepRequestReceived("scep-1", "tx", [0x30], "10.0.0.1; ua", "0A", T),
        [typeof(ScepRequestVerified)] = new ScepRequestVerified("scep-1", "challenge accepted", T),
        [typeof(ScepRequestRejected)] = new ScepRequestRejected("scep-1", ScepStage.Verify, new FailureReason("ChallengeExpired", "old", false), ScepFailInfo.BadRequest, T),
        [typeof(ScepCertificateIssued)] = new ScepCertificateIssued("scep-1", [0x30], "0A", "TH", T.AddDays(1), "CN=CA", T),
        [typeof(ScepAttemptFailed)] = new ScepAttemptFailed("scep-1", ScepStage.Notify, 2, new FailureReason("X", "y", true), T.AddMinutes(1), T),
        [typeof(ScepServiceNotified)] = new ScepServiceNotified("scep-1", T),
        [typeof(ScepRequestReopened)] = new ScepRequestReopened("scep-1", T),
        [typeof(SubmitScepRequest)] = new SubmitScepRequest("scep-1", "tx", [0x30], "challenge", "caller", null),
        [typeof(PollScepRequest)] = new PollScepRequest("scep-1"),
        [typeof(ScepRequestOutcome)] = new ScepRequestOutcome("scep-1", ScepOutcomeStatus.Rejected, null, ScepFailInfo.BadCertId, "unknown"),
        [typeof(RevocationRequestDownloaded)] = new RevocationRequestDownloaded("rv-1", Revocation, T),
        [typeof(CertificateRevoked)] = new CertificateRevoked("rv-1", true, T),
        [typeof(RevocationAttemptFailed)] = new RevocationAttemptFailed("rv-1", RevocationStage.Revoke, 2, new FailureReason("CaUnavailable", "down", true), T.AddMinutes(1), T),
        [typeof(RevocationFailed)] = new RevocationFailed("rv-1", new FailureReason("CertificateNotFound", "no such serial", false), "4004", T),
        [typeof(RevocationResultUploaded)] = new RevocationResultUploaded("rv-1", false, T),
        [typeof(StartRevocationRequest)] = new StartRevocationRequest(Revocation),
        [typeof(RevocationRequestCompleted)] = new RevocationRequestCompleted("rv-1", true),
        [typeof(RevocationViewDetails)] = new RevocationViewDetails(RevocationReason.KeyCompromise, new FailureReason("A", "b", true), "4005"),
        [typeof(PkcsImportRequestDownloaded)] = new PkcsImportRequestDownloaded("im-1", Import, T),
        [typeof(PfxPasswordReencrypted)] = new PfxPasswordReencrypted("im-1", [0x30, 0x80, 9], T),
        [typeof(PkcsImportAttemptFailed)] = new PkcsImportAttemptFailed("im-1", PkcsImportStage.Reencrypt, 1, new FailureReason("ConnectorKeyUnavailable", "none", true), T.AddMinutes(1), T),
        [typeof(PkcsImportFailed)] = new PkcsImportFailed("im-1", new FailureReason("PfxPasswordMismatch", "does not open", false), T),
        [typeof(PkcsImportResultUploaded)] = new PkcsImportResultUploaded("im-1", true, T),
        [typeof(StartPkcsImportRequest)] = new StartPkcsImportRequest(Import),
        [typeof(PkcsImportRequestCompleted)] = new PkcsImportRequestCompleted("im-1", true),
        [typeof(PkcsImportViewDetails)] = new PkcsImportViewDetails("alice@contoso.com", "oaepSha256", new FailureReason("A", "b", true)),
        [typeof(RecryptRequestDownloaded)] = new RecryptRequestDownloaded("rc-1", Recrypt, T),
        [typeof(RecryptPayloadDecrypted)] = new RecryptPayloadDecrypted("rc-1", 42, T),
        [typeof(RecryptPayloadReencrypted)] = new RecryptPayloadReencrypted("rc-1", [0x30, 0x80, 7], T),
        [typeof(RecryptAttemptFailed)] = new RecryptAttemptFailed("rc-1", RecryptStage.Upload, 2, new FailureReason("X", "y", true), T.AddMinutes(1), T),
        [typeof(RecryptFailed)] = new RecryptFailed("rc-1", RecryptStage.Decrypt, new FailureReason("BadPayload", "not ours", false), T),
        [typeof(RecryptResultUploaded)] = new RecryptResultUploaded("rc-1", false, T),
        [typeof(StartRecryptRequest)] = new StartRecryptRequest(Recrypt),
        [typeof(RecryptRequestCompleted)] = new RecryptRequestCompleted("rc-1", false),
        [typeof(RecryptViewDetails)] = new RecryptViewDetails(new FailureReason("BadPayload", "x", false), "Decrypt"),
        [typeof(GetNodeInfo)] = GetNodeInfo.Instance,
        [typeof(NodeInfo)] = new NodeInfo("node-a", "1.2.3", T, TimeSpan.FromMinutes(90)),
        [typeof(ScepViewDetails)] = new ScepViewDetails("tx", 1),
    };

    public static TheoryData<string> Manifests() => new(AllManifests.KnownTypes.Keys);

    [Fact]
    public void Every_known_type_has_a_sample() =>
        Assert.Equal(AllManifests.KnownTypes.Values.OrderBy(t => t.Name), Samples.Keys.OrderBy(t => t.Name));

    [Theory]
    [MemberData(nameof(Manifests))]
    public void Round_trips_and_is_chosen_by_akka(string manifest)
    {
        var sample = Samples[AllManifests.KnownTypes[manifest]];
        var serializer = Sys.Serialization.FindSerializerFor(sample);
        var ours = Assert.IsType<ConnectorJsonSerializer>(serializer);
        var written = sample is IHoldsSecret ? manifest + ConnectorJsonSerializer.SealedSuffix : manifest;
        Assert.Equal(written, ours.Manifest(sample));

        var bytes = ours.ToBinary(sample);
        var back = ours.FromBinary(bytes, written);
        Assert.IsType(sample.GetType(), back);
        var json = Json(bytes, written);
        Assert.Equal(json, Json(ours.ToBinary(back), written)); // byte arrays compare by content this way
        Assert.DoesNotContain("CertConnector", System.Text.Encoding.UTF8.GetString(json)); // no CLR type names inside
    }

    /// <summary>The JSON inside: a sealed payload has a fresh nonce each time, so only its plaintext compares.</summary>
    private static byte[] Json(byte[] bytes, string manifest) =>
        manifest.EndsWith(ConnectorJsonSerializer.SealedSuffix) ? TestSealingKey.Open(bytes, manifest) : bytes;

    [Fact]
    public void Fields_survive_the_trip()
    {
        var s = (ConnectorJsonSerializer)Sys.Serialization.FindSerializerFor(Samples[typeof(PkcsRequestDownloaded)]);
        var back = (PkcsRequestDownloaded)s.FromBinary(s.ToBinary(Samples[typeof(PkcsRequestDownloaded)]), "pkcs.downloaded.v1");
        Assert.Equal(T, back.At);
        Assert.Equal("ec:p384", back.Request.KeySpec.ToString());
        Assert.Equal(Request.SubjectAlternativeNames, back.Request.SubjectAlternativeNames);
        Assert.Equal(Request.DeviceCertificate, back.Request.DeviceCertificate);
        Assert.Equal(("S-1-5-21-1-2-3-1001", 365), (back.Request.OnPremisesSid, back.Request.ValidityDays));
    }

    [Fact]
    public void An_unknown_manifest_is_a_clear_error()
    {
        var s = (ConnectorJsonSerializer)Sys.Serialization.FindSerializerFor(Samples[typeof(GetRequestView)]);
        var e = Assert.Throws<System.Runtime.Serialization.SerializationException>(() => s.FromBinary([], "pkcs.future.v9"));
        Assert.Contains("pkcs.future.v9", e.Message);
    }
}
