using System.Collections.Immutable;
using System.Reflection;
using System.Runtime.Serialization;
using Akka.Actor;
using Akka.Actor.Setup;
using Akka.Cluster.Sharding;
using Akka.Configuration;
using Akka.Serialization;
using CertConnector.Actors.Common;
using CertConnector.Adapters.Persistence;

namespace CertConnector.Adapters.Tests.Persistence;

/// <summary>
/// Every type of ours that is persisted or crosses the wire goes through <see cref="ConnectorJsonSerializer"/>, never Akka's
/// Newtonsoft fallback, and with the host's setting (<see cref="ConnectorJsonSerializer.NoFallbackHocon"/>) a type that
/// slipped through without <see cref="IConnectorSerializable"/> fails on its first send instead of silently using it.
/// The actor system is configured as the host configures it: our serializer by setup with a key, the fallback off.
/// </summary>
public sealed class WireSerializationTests() : Akka.TestKit.Xunit2.TestKit(
    BootstrapSetup.Create()
        .WithConfig(ConfigurationFactory.ParseString(ConnectorJsonSerializer.NoFallbackHocon + "\n" + ClusterProvider).WithFallback(ClusterSharding.DefaultConfig()))
        .And(SerializationSetup.Create(system => ImmutableHashSet.Create(SerializerDetails.Create("connector-json",
            new ConnectorJsonSerializer(system, ConnectorJsonSerializerTests.TestSealingKey, AllManifests.FeatureTables), ImmutableHashSet.CreateRange(ConnectorJsonSerializer.BoundTypes))))))
{
    /// <summary>As the host runs: remoting's and the cluster's serializer bindings loaded (loopback, any free port, never joined).</summary>
    private const string ClusterProvider = "akka.actor.provider = cluster\nakka.remote.dot-netty.tcp { hostname = 127.0.0.1, port = 0 }";

    /// <summary>A message a feature might add and forget to mark: routed by the shard extractor, so it would cross nodes.</summary>
    private sealed record StrayMessage(string RequestId) : IWithRequestId;

    private static readonly Assembly[] Ours = [typeof(IConnectorSerializable).Assembly, typeof(ConnectorJsonSerializer).Assembly];

    /// <summary>
    /// What crosses: the manifest tables, and by reflection every concrete type that is a request message (IWithRequestId:
    /// the shard extractor routes any of them to whichever node holds the entity), an event, a completion, or marked serializable.
    /// </summary>
    public static IReadOnlyList<Type> WireTypes { get; } = [.. Ours.SelectMany(a => a.GetTypes())
        .Where(t => t is { IsAbstract: false, IsInterface: false, IsGenericTypeDefinition: false }
                    && (typeof(IWithRequestId).IsAssignableFrom(t) || typeof(IConnectorSerializable).IsAssignableFrom(t)))
        .Concat(AllManifests.KnownTypes.Values)
        .Distinct()
        .OrderBy(t => t.FullName)];

    [Fact]
    public void The_wire_types_include_every_feature_s_requests_events_and_views()
    {
        // The scan must find something in every feature, or it proves nothing.
        var features = WireTypes.Select(t => t.Namespace).Distinct().ToList();
        Assert.Contains("CertConnector.Actors.Pkcs", features);
        Assert.Contains("CertConnector.Actors.Scep", features);
        Assert.Contains("CertConnector.Actors.Revocation", features);
        Assert.Contains("CertConnector.Actors.PkcsImport", features);
        Assert.Contains("CertConnector.Actors.Recrypt", features);
        Assert.Contains("CertConnector.Actors.Cluster", features);
    }

    [Fact]
    public void Every_wire_type_is_a_sealed_record_marked_serializable_with_a_manifest_and_bound_to_our_serializer()
    {
        var problems = new List<string>();
        foreach (var type in WireTypes)
        {
            if (!typeof(IConnectorSerializable).IsAssignableFrom(type)) problems.Add($"{type.FullName} crosses the wire but is not IConnectorSerializable");
            if (!AllManifests.KnownTypes.Values.Contains(type)) problems.Add($"{type.FullName} has no manifest in its feature's *Manifests.cs");
            if (!type.IsSealed || type.GetMethod("<Clone>$") is null) problems.Add($"{type.FullName} is not a sealed record");
            Serializer? found = null;
            try
            {
                found = Sys.Serialization.FindSerializerForType(type);
            }
            catch (SerializationException e)
            {
                problems.Add($"{type.FullName}: {e.Message}");
            }
            if (found is not null and not ConnectorJsonSerializer) problems.Add($"{type.FullName} goes to {found.GetType().Name}");
        }
        Assert.True(problems.Count == 0, string.Join("\n", problems));
    }

    /// <summary>Each feature's own part of the one view crosses inside the common view, named by its manifest, never by a CLR type.</summary>
    [Theory]
    [InlineData(typeof(CertConnector.Actors.Pkcs.PkcsViewDetails), "pkcs.view-details.v1")]
    [InlineData(typeof(CertConnector.Actors.Revocation.RevocationViewDetails), "revocation.view-details.v1")]
    [InlineData(typeof(CertConnector.Actors.PkcsImport.PkcsImportViewDetails), "pkcs-import.view-details.v1")]
    [InlineData(typeof(CertConnector.Actors.Recrypt.RecryptViewDetails), "recrypt.view-details.v1")]
    [InlineData(typeof(CertConnector.Actors.Scep.ScepViewDetails), "scep.view-details.v1")]
    public void A_request_view_carries_each_feature_s_details_under_their_own_manifest(Type detailsType, string manifest)
    {
        var details = (IRequestViewDetails)ConnectorJsonSerializerTests.Samples[detailsType];
        var view = RequestView.Unknown("any", "r-1") with { Known = true, State = "Uploaded", Details = details, History = [new HistoryEntry(DateTimeOffset.UnixEpoch, "Uploaded", "x")] };
        var serializer = Sys.Serialization.FindSerializerFor(view);

        var bytes = serializer.ToBinary(view);
        var back = Assert.IsType<RequestView>(Sys.Serialization.Deserialize(bytes, serializer.Identifier, ((SerializerWithStringManifest)serializer).Manifest(view)));

        Assert.IsType(detailsType, back.Details);
        Assert.Equal(details, back.Details);
        Assert.Equal(view.History, back.History);
        var json = System.Text.Encoding.UTF8.GetString(bytes);
        Assert.Contains($"\"manifest\":\"{manifest}\"", json);
        Assert.DoesNotContain("CertConnector", json);
    }

    /// <summary>A payload can name only a details type: a manifest of an event, or one this version does not know, is refused.</summary>
    [Theory]
    [InlineData("pkcs.failed.v1", "Unknown request view details 'pkcs.failed.v1'")]
    [InlineData("pkcs.view-details.v9", "Unknown request view details 'pkcs.view-details.v9'")]
    public void Details_that_name_anything_but_a_details_type_are_refused(string detailsManifest, string error)
    {
        var serializer = (SerializerWithStringManifest)Sys.Serialization.FindSerializerFor(RequestView.Unknown("pkcs", "r-1"));
        var json = """
            {"feature":"pkcs","requestId":"r-1","known":true,"state":"Failed","attempts":0,"resultDelivered":false,"history":[],
             "details":{"manifest":"MANIFEST","value":{"requestId":"r-1","failure":{"code":"X","message":"y","retryable":false},"at":"2026-01-01T00:00:00Z"}}}
            """.Replace("MANIFEST", detailsManifest);

        var e = Assert.Throws<SerializationException>(() => serializer.FromBinary(System.Text.Encoding.UTF8.GetBytes(json), "request.view.v2"));
        Assert.Contains(error, e.Message);
    }

    private sealed record SecretDetails(string Password) : IRequestViewDetails, IHoldsSecret;

    /// <summary>A view is never sealed, so details that hold a secret are refused rather than written in the clear.</summary>
    [Fact]
    public void Details_that_hold_a_secret_are_refused_before_anything_is_written()
    {
        var view = RequestView.Unknown("pkcs", "r-1") with { Known = true, Details = new SecretDetails("hunter2") };
        var serializer = Sys.Serialization.FindSerializerFor(view);

        var e = Assert.ThrowsAny<Exception>(() => serializer.ToBinary(view));

        Assert.Contains("holds a secret", (e as SerializationException ?? e.InnerException)?.Message ?? e.Message);
    }

    /// <summary>
    /// Retired with the one view: each feature's own query and view, and the view without details. Wire only, never journaled, so no
    /// journal holds them; a member of an older version that sends one gets no answer (its <c>show</c> times out), which the notes say.
    /// </summary>
    [Theory]
    [InlineData("pkcs.get.v1")]
    [InlineData("pkcs.view.v1")]
    [InlineData("revocation.get.v1")]
    [InlineData("revocation.view.v1")]
    [InlineData("pfximport.get.v1")]
    [InlineData("pfximport.view.v1")]
    [InlineData("recrypt.get.v1")]
    [InlineData("recrypt.view.v1")]
    [InlineData("scep.get.v1")]
    [InlineData("scep.view.v1")]
    [InlineData("request.view.v1")]
    public void The_retired_per_feature_queries_and_views_are_no_longer_read(string manifest)
    {
        Assert.DoesNotContain(manifest, AllManifests.KnownTypes.Keys);
        var serializer = (SerializerWithStringManifest)Sys.Serialization.FindSerializerFor(RequestView.Unknown("pkcs", "r-1"));
        var e = Assert.Throws<SerializationException>(() => serializer.FromBinary("""{"requestId":"r-1"}"""u8.ToArray(), manifest));
        Assert.Contains($"Unknown manifest '{manifest}'", e.Message);
    }

    [Fact]
    public void A_type_without_the_marker_is_refused_instead_of_falling_back_to_newtonsoft()
    {
        var e = Assert.Throws<SerializationException>(() => Sys.Serialization.FindSerializerFor(new StrayMessage("r-1")));
        Assert.Contains("allow-unregistered-types", e.Message);

        // The check can fail: Akka's default would have taken it, through Newtonsoft.
        using var lenient = ActorSystem.Create("lenient");
        try
        {
            Assert.IsType<NewtonSoftJsonSerializer>(lenient.Serialization.FindSerializerFor(new StrayMessage("r-1")));
        }
        finally
        {
            lenient.Terminate().Wait();
        }
    }

    [Fact]
    public void Akka_s_own_messages_that_carry_ours_keep_their_own_serializers()
    {
        // The envelopes that carry our payloads across nodes, and what an ask answers with on failure.
        object[] akkaMessages =
        [
            new ShardingEnvelope("r-1", new StrayMessage("r-1")), new ShardRegion.StartEntity("r-1"), new Status.Failure(new InvalidOperationException("x")),
            new Status.Success(null), new Identify(1), PoisonPill.Instance, "text",
        ];
        Assert.All(akkaMessages, m => Assert.IsNotType<NewtonSoftJsonSerializer>(Sys.Serialization.FindSerializerFor(m)));
    }
}
