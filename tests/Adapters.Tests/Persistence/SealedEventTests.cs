using System.Runtime.Serialization;
using System.Text;
using System.Text.Json;
using Akka.Actor;
using CertConnector.Actors.Common;
using CertConnector.Actors.Scep;
using CertConnector.Adapters.Crypto;
using CertConnector.Adapters.Persistence;
using CertConnector.Adapters.Scep.Client;

namespace CertConnector.Adapters.Tests.Persistence;

/// <summary>Events that hold a secret (the SCEP CSR with its challengePassword) are sealed in the journal.</summary>
public sealed class SealedEventTests : Akka.TestKit.Xunit2.TestKit
{
    private const string Challenge = "Zq7pLk2VwX9sRt4MbN8cYd3F";
    private static readonly DateTimeOffset T = DateTimeOffset.Parse("2026-11-25T12:34:56.789+00:00");
    private static readonly JournalSealingKey Key = ConnectorJsonSerializerTests.TestSealingKey;

    private ConnectorJsonSerializer Serializer(JournalSealingKey? key) => new((ExtendedActorSystem)Sys, key, AllManifests.FeatureTables);

    private static ScepRequestReceived Received(ChallengeStringType type = ChallengeStringType.Printable)
    {
        var key = KeyGeneration.Generate(KeySpec.Parse("ec:p256"));
        var csr = ScepClient.CreateCsr(key, "CN=device", Challenge, type, "SHA256WITHECDSA");
        return new ScepRequestReceived("scep-1", "tx-1", csr, "10.0.0.1; ua", null, T);
    }

    [Fact]
    public void A_sealed_event_round_trips_under_the_sealed_manifest()
    {
        var received = Received();
        var serializer = Serializer(Key);
        var manifest = serializer.Manifest(received);
        Assert.Equal("scep.received.v1.sealed", manifest);

        var back = Assert.IsType<ScepRequestReceived>(serializer.FromBinary(serializer.ToBinary(received), manifest));
        Assert.Equal(received.CsrDer, back.CsrDer);
        Assert.Equal(received with { CsrDer = back.CsrDer }, back);
    }

    [Theory]
    [InlineData(ChallengeStringType.Printable)]
    [InlineData(ChallengeStringType.Bmp)]
    public void The_sealed_bytes_hold_neither_the_challenge_nor_the_csr(ChallengeStringType type)
    {
        var received = Received(type);
        string[] forms = [Challenge, Convert.ToBase64String(received.CsrDer)];
        byte[][] needles =
        [
            received.CsrDer, .. forms.Select(Encoding.UTF8.GetBytes), .. forms.Select(Encoding.Unicode.GetBytes),
            .. forms.Select(Encoding.BigEndianUnicode.GetBytes),
        ];
        // The check can fail: the plain JSON the journal held before sealing gives the CSR away.
        var plain = JsonSerializer.SerializeToUtf8Bytes(received, new JsonSerializerOptions(JsonSerializerDefaults.Web));
        Assert.Contains(needles, n => plain.AsSpan().IndexOf(n) >= 0);

        var bytes = Serializer(Key).ToBinary(received);
        Assert.All(needles, n => Assert.True(bytes.AsSpan().IndexOf(n) < 0));
    }

    [Fact]
    public void The_wrong_key_is_a_clear_error_naming_both_keys()
    {
        var other = new JournalSealingKey(Enumerable.Repeat((byte)7, 32).ToArray());
        var bytes = Serializer(Key).ToBinary(Received());
        var e = Assert.Throws<SerializationException>(() => Serializer(other).FromBinary(bytes, "scep.received.v1.sealed"));
        Assert.Contains(Key.KeyId, e.Message);
        Assert.Contains(other.KeyId, e.Message);
    }

    [Fact]
    public void An_altered_payload_or_one_moved_to_another_manifest_fails_authentication()
    {
        var bytes = Serializer(Key).ToBinary(Received());
        var altered = bytes.ToArray();
        altered[^1] ^= 1;
        Assert.Contains("failed authentication", Assert.Throws<SerializationException>(() => Serializer(Key).FromBinary(altered, "scep.received.v1.sealed")).Message);
        Assert.Contains("failed authentication", Assert.Throws<SerializationException>(() => Serializer(Key).FromBinary(bytes, "scep.verified.v1.sealed")).Message);
    }

    /// <summary>Exactly what the serializer wrote for scep.received.v1 before sealing existed.</summary>
    private static readonly byte[] Unsealed =
        """{"requestId":"scep-1","transactionId":"tx-1","csrDer":"MAMCAQE=","callerInfo":"10.0.0.1; ua","at":"2026-11-25T12:34:56.789+00:00"}"""u8.ToArray();

    [Theory]
    [InlineData("scep.received.v1")]
    [InlineData("pfximport.downloaded.v1")]
    public void A_secret_bearing_event_under_its_bare_manifest_is_refused_naming_the_migration_setting(string manifest)
    {
        // With or without a key: an unsealed row is not authenticated, so anyone who can write the journal could forge it.
        foreach (var serializer in new[] { Serializer(Key), Serializer(null) })
        {
            var e = Assert.Throws<SerializationException>(() => serializer.FromBinary(Unsealed, manifest));
            Assert.Contains("not sealed", e.Message);
            Assert.Contains(ConnectorJsonSerializer.LegacySetting, e.Message);
        }
    }

    [Fact]
    public void With_the_migration_setting_an_event_journaled_before_sealing_still_reads()
    {
        var legacy = new ConnectorJsonSerializer((ExtendedActorSystem)Sys, Key, AllManifests.FeatureTables, readUnsealedLegacy: true);
        var back = Assert.IsType<ScepRequestReceived>(legacy.FromBinary(Unsealed, "scep.received.v1"));
        Assert.Equal(("scep-1", "tx-1", "10.0.0.1; ua", T), (back.RequestId, back.TransactionId, back.CallerInfo, back.At));
        Assert.Equal(new byte[] { 0x30, 0x03, 0x02, 0x01, 0x01 }, back.CsrDer);
        Assert.Equal("scep.received.v1.sealed", legacy.Manifest(back)); // and what it writes is sealed again
    }

    [Fact]
    public void An_event_without_a_secret_still_reads_under_its_bare_manifest()
    {
        var verified = new ScepRequestVerified("scep-1", "ok", T);
        Assert.Equal(verified, Serializer(Key).FromBinary(JsonSerializer.SerializeToUtf8Bytes(verified, new JsonSerializerOptions(JsonSerializerDefaults.Web)), "scep.verified.v1"));
    }

    [Fact]
    public void Without_a_key_secrets_are_refused_and_everything_else_still_works()
    {
        var keyless = Serializer(null);
        Assert.Contains(nameof(JournalSealingKey), Assert.Throws<SerializationException>(() => keyless.ToBinary(Received())).Message);
        Assert.Throws<SerializationException>(() => keyless.FromBinary(Serializer(Key).ToBinary(Received()), "scep.received.v1.sealed"));
        var verified = new ScepRequestVerified("scep-1", "ok", T);
        Assert.Equal(verified, keyless.FromBinary(keyless.ToBinary(verified), keyless.Manifest(verified)));
    }
}
