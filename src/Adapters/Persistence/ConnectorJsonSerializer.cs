using System.Collections.Frozen;
using System.Text.Json;
using System.Text.Json.Serialization;
using Akka.Actor;
using System.Runtime.Serialization;
using System.Security.Cryptography;
using Akka.Serialization;
using CertConnector.Actors.Cluster;
using CertConnector.Actors.Common;

namespace CertConnector.Adapters.Persistence;

/// <summary>
/// The one serializer for everything we persist or send between nodes: System.Text.Json with a string
/// manifest per type and version. The manifest, never the CLR type name, is what the journal keeps, so
/// types can be renamed or moved freely. To change a persisted type incompatibly, add a new manifest
/// (".v2") and keep reading the old one.
/// Types marked <see cref="IHoldsSecret"/> are written sealed (AES-256-GCM under the <see cref="JournalSealingKey"/>)
/// under their manifest plus <see cref="SealedSuffix"/>. Such a type under its bare manifest is refused: an unsealed row
/// is neither confidential nor authenticated, so anyone able to write to the journal database could hand an actor a
/// forged secret-bearing event. Journals written before sealing existed hold such rows; <paramref name="readUnsealedLegacy"/>
/// (<c>Connector:Database:ReadUnsealedLegacyEvents</c>) reads them for as long as the operator needs to drain them.
/// The manifests are the shared tables plus the <paramref name="featureTables"/> the host passes: each feature's own table.
/// </summary>
public sealed class ConnectorJsonSerializer(ExtendedActorSystem system, JournalSealingKey? sealingKey,
    IEnumerable<IReadOnlyDictionary<string, Type>> featureTables, bool readUnsealedLegacy = false) : SerializerWithStringManifest(system)
{
    public const int SerializerId = 4242;
    public const string SealedSuffix = ".sealed";
    public const string LegacySetting = "Connector:Database:ReadUnsealedLegacyEvents";

    /// <summary>
    /// Akka's fallback for a type with no binding is its Newtonsoft serializer, which writes CLR type names and instantiates
    /// whatever a payload names. Turned off: a message type that is not <see cref="IConnectorSerializable"/> fails loudly on
    /// its first send or persist instead of crossing the wire through it.
    /// </summary>
    public const string NoFallbackHocon = "akka.actor.serialization-settings.allow-unregistered-types = off";

    /// <summary>For HOCON bindings, which can pass only the system: such a serializer knows only the shared manifests and refuses
    /// to write <see cref="IHoldsSecret"/> types rather than fall back to plaintext.</summary>
    public ConnectorJsonSerializer(ExtendedActorSystem system) : this(system, null, []) { }

    /// <summary>The tables no feature owns: cluster inspection and the request view every feature answers with.</summary>
    public static IReadOnlyList<IReadOnlyDictionary<string, Type>> SharedTables { get; } = [ClusterManifests.Table, CommonManifests.Table];

    private readonly FrozenDictionary<string, Type> _typesByManifest = Merge([.. SharedTables, .. featureTables]);

    private FrozenDictionary<Type, string> ManifestsByType => field ??= _typesByManifest.ToFrozenDictionary(kv => kv.Value, kv => kv.Key);

    /// <summary>Per instance, since a view's details are written under the manifests of the tables this serializer was given.</summary>
    private JsonSerializerOptions Json => field ??= new(JsonSerializerDefaults.Web)
    {
        Converters =
        {
            new JsonStringEnumConverter(),
            new RequestViewDetailsConverter(t => ManifestsByType.GetValueOrDefault(t), m => _typesByManifest.GetValueOrDefault(m)),
        },
        DefaultIgnoreCondition = JsonIgnoreCondition.WhenWritingNull,
    };

    public override int Identifier => SerializerId;

    /// <summary>Every type this serializer knows, by manifest.</summary>
    public IReadOnlyDictionary<string, Type> KnownTypes => _typesByManifest;

    public override string Manifest(object o) => ManifestsByType.TryGetValue(o.GetType(), out var manifest)
        ? o is IHoldsSecret ? manifest + SealedSuffix : manifest
        : throw new SerializationException($"{o.GetType().FullName} has no manifest in {nameof(ConnectorJsonSerializer)}; add one.");

    public override byte[] ToBinary(object obj)
    {
        var manifest = Manifest(obj); // refuse unknown types before writing anything
        var json = JsonSerializer.SerializeToUtf8Bytes(obj, obj.GetType(), Json);
        if (obj is not IHoldsSecret) return json;
        try
        {
            return SealingKey(manifest).Seal(json, manifest);
        }
        finally
        {
            CryptographicOperations.ZeroMemory(json);
        }
    }

    public override object FromBinary(byte[] bytes, string manifest)
    {
        var sealedPayload = manifest.EndsWith(SealedSuffix, StringComparison.Ordinal);
        var typeManifest = sealedPayload ? manifest[..^SealedSuffix.Length] : manifest;
        if (!_typesByManifest.TryGetValue(typeManifest, out var type))
            throw new SerializationException($"Unknown manifest '{manifest}': written by a newer connector version?");
        if (!sealedPayload && typeof(IHoldsSecret).IsAssignableFrom(type) && !readUnsealedLegacy)
            throw new SerializationException(
                $"'{manifest}' holds a secret but this row is not sealed ('{manifest}{SealedSuffix}'): refused, since an unsealed row is neither " +
                $"confidential nor authenticated. A journal written before sealing existed holds such rows: set {LegacySetting}=true until those requests are finished.");
        var json = sealedPayload ? SealingKey(manifest).Open(bytes, manifest) : bytes;
        try
        {
            return JsonSerializer.Deserialize(json, type, Json) ?? throw new SerializationException($"Empty payload for manifest '{manifest}'.");
        }
        finally
        {
            if (sealedPayload) CryptographicOperations.ZeroMemory(json);
        }
    }

    /// <summary>Two features claiming one manifest (or one type) would make the journal ambiguous: refuse at start.</summary>
    private static FrozenDictionary<string, Type> Merge(IEnumerable<IReadOnlyDictionary<string, Type>> tables)
    {
        var merged = new Dictionary<string, Type>();
        foreach (var (manifest, type) in tables.SelectMany(t => t))
        {
            if (!merged.TryAdd(manifest, type)) throw new InvalidOperationException($"Manifest '{manifest}' is registered twice.");
        }
        if (merged.Values.GroupBy(t => t).FirstOrDefault(g => g.Count() > 1) is { } twice)
            throw new InvalidOperationException($"{twice.Key.Name} has more than one manifest; readers of old versions map to new types instead.");
        return merged.ToFrozenDictionary();
    }

    private JournalSealingKey SealingKey(string manifest) => sealingKey ?? throw new SerializationException(
        $"'{manifest}' holds a secret and is only ever journaled sealed, but this {nameof(ConnectorJsonSerializer)} has no " +
        $"{nameof(JournalSealingKey)}: construct it with one (the host derives it from the CA key).");

    /// <summary>The types to bind this serializer to in HOCON / Akka.Hosting.</summary>
    public static Type[] BoundTypes { get; } = [typeof(IConnectorSerializable)];
}
