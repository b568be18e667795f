using System.Runtime.CompilerServices;
using CertConnector.Actors.Common;
using CertConnector.Adapters.Persistence;

namespace CertConnector.Adapters.Tests.Persistence;

/// <summary>
/// Journals outlive code. Each manifest's sample was written once to <c>Golden/</c> as the bytes the journal
/// holds; every build reads them back and must get today's sample. A renamed or retyped field reads back as its
/// default and fails here, instead of silently dropping data from old journals. To add a manifest, run once with
/// CERTCONNECTOR_WRITE_GOLDEN=1 and commit the new file; never rewrite an existing one.
/// </summary>
public sealed class GoldenManifestTests
{
    private static readonly ConnectorJsonSerializer Serializer = new(null!, ConnectorJsonSerializerTests.TestSealingKey, AllManifests.FeatureTables);

    public static TheoryData<string> Manifests() => new(AllManifests.KnownTypes.Keys);

    [Theory]
    [MemberData(nameof(Manifests))]
    public void Stored_bytes_of_every_manifest_read_back_as_todays_sample(string manifest)
    {
        var sample = ConnectorJsonSerializerTests.Samples[AllManifests.KnownTypes[manifest]];
        var written = Serializer.Manifest(sample);
        var path = PathOf(written);
        if (!File.Exists(path))
        {
            if (Environment.GetEnvironmentVariable("CERTCONNECTOR_WRITE_GOLDEN") != "1")
                Assert.Fail($"No golden sample for '{written}' ({path}): run once with CERTCONNECTOR_WRITE_GOLDEN=1 and commit it.");
            Directory.CreateDirectory(Path.GetDirectoryName(path)!);
            File.WriteAllBytes(path, Serializer.ToBinary(sample));
        }

        var back = Serializer.FromBinary(File.ReadAllBytes(path), written);

        Assert.IsType(sample.GetType(), back);
        Assert.Equal(Json(Serializer.ToBinary(sample), written), Json(Serializer.ToBinary(back), written));
    }

    /// <summary>
    /// A golden file whose manifest left the tables means a type was dropped: for a journal event that loses old journals, so it must
    /// fail here rather than be skipped. A wire-only type retired on purpose takes its golden file with it.
    /// </summary>
    [Fact]
    public void Every_golden_file_is_a_manifest_the_serializer_still_reads()
    {
        var files = Directory.GetFiles(Path.GetDirectoryName(PathOf("x"))!).Select(Path.GetFileName).ToList();
        Assert.NotEmpty(files);
        var unread = files.Select(f => f!.Replace(".bin", "").Replace(".json", "").Replace(ConnectorJsonSerializer.SealedSuffix, ""))
            .Where(m => !AllManifests.KnownTypes.ContainsKey(m)).ToList();
        Assert.True(unread.Count == 0, "Golden files of manifests no longer read: " + string.Join(", ", unread));
    }

    /// <summary>A persisted or remoted type without a manifest would fail only when first written, in production.</summary>
    [Fact]
    public void Every_persisted_type_in_the_actors_assembly_is_registered()
    {
        var persisted = typeof(IConnectorSerializable).Assembly.GetTypes()
            .Where(t => typeof(IConnectorSerializable).IsAssignableFrom(t) && t is { IsInterface: false, IsAbstract: false })
            .Select(t => t.FullName).Order().ToList();
        Assert.NotEmpty(persisted);
        Assert.Equal(persisted, persisted.Where(name => AllManifests.KnownTypes.Values.Any(t => t.FullName == name)));
    }

    private static byte[] Json(byte[] bytes, string manifest) =>
        manifest.EndsWith(ConnectorJsonSerializer.SealedSuffix) ? ConnectorJsonSerializerTests.TestSealingKey.Open(bytes, manifest) : bytes;

    private static string PathOf(string manifest, [CallerFilePath] string here = "") =>
        Path.Combine(Path.GetDirectoryName(here)!, "Golden", manifest + (manifest.EndsWith(ConnectorJsonSerializer.SealedSuffix) ? ".bin" : ".json"));
}
