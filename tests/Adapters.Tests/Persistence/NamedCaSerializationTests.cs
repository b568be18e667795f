using System.Text;
using CertConnector.Actors.Cluster;
using CertConnector.Actors.Common;
using CertConnector.Actors.Pkcs;
using CertConnector.Actors.Ports;
using CertConnector.Actors.Revocation;
using CertConnector.Actors.Scep;
using CertConnector.Adapters.Persistence;

namespace CertConnector.Adapters.Tests.Persistence;

/// <summary>
/// The CA name travels in the journal as an optional property of the existing manifests: journals written before it read back with no
/// CA (the default CA's, or the issuing CA's for a revocation), and new events keep the name through a round trip.
/// </summary>
public sealed class NamedCaSerializationTests
{
    private static readonly ConnectorJsonSerializer Serializer = new(null!, ConnectorJsonSerializerTests.TestSealingKey, AllManifests.FeatureTables);
    private static readonly DateTimeOffset T = DateTimeOffset.Parse("2026-12-07T12:00:00Z");

    private static readonly PkcsRequest Request = new("r-1", "CN=Alice", [new("upn", "alice@contoso.com")], "client-auth", KeySpec.Rsa2048, [0x30, 0x01],
        Ca: "corp");

    /// <summary>One sample per changed manifest, each carrying a CA name.</summary>
    public static TheoryData<string> Samples() => new(WithCa.Keys);

    private static readonly IReadOnlyDictionary<string, object> WithCa = new Dictionary<string, object>
    {
        ["pkcs.downloaded.v1"] = new PkcsRequestDownloaded("r-1", Request, T),
        ["pkcs.start.v1"] = new StartPkcsRequest(Request),
        ["pkcs.view-details.v1"] = new PkcsViewDetails("CN=Alice", "client-auth", "rsa:2048", null, "corp"),
        ["revocation.start.v1"] = new StartRevocationRequest(new RevocationRequest("rv-1", "0A1B", RevocationReason.KeyCompromise, null, "corp")),
        ["revocation.revoked.v1"] = new CertificateRevoked("rv-1", false, T, "corp"),
        ["scep.verified.v1"] = new ScepRequestVerified("scep-1", "challenge accepted for the CA 'corp'", T, "corp"),
        ["cluster.node-info.v1"] = new NodeInfo("node-a", "1.2.3", T, TimeSpan.FromMinutes(5), null, [new NodeCa("corp", "test", true, false, "down")]),
    };

    [Theory]
    [MemberData(nameof(Samples))]
    public void The_CA_name_survives_the_trip_under_the_existing_manifest(string manifest)
    {
        var sample = WithCa[manifest];
        Assert.Equal(manifest, Serializer.Manifest(sample));
        var bytes = Serializer.ToBinary(sample);
        Assert.Contains("\"corp\"", Encoding.UTF8.GetString(bytes));
        Assert.Equal(Encoding.UTF8.GetString(bytes), Encoding.UTF8.GetString(Serializer.ToBinary(Serializer.FromBinary(bytes, manifest))));
    }

    [Fact]
    public void Events_written_before_CAs_had_names_read_back_naming_none()
    {
        var downloaded = (PkcsRequestDownloaded)Serializer.FromBinary(Golden("pkcs.downloaded.v1"), "pkcs.downloaded.v1");
        var revoked = (CertificateRevoked)Serializer.FromBinary(Golden("revocation.revoked.v1"), "revocation.revoked.v1");
        var verified = (ScepRequestVerified)Serializer.FromBinary(Golden("scep.verified.v1"), "scep.verified.v1");
        var node = (NodeInfo)Serializer.FromBinary(Golden("cluster.node-info.v1"), "cluster.node-info.v1");

        Assert.Equal("r-1", downloaded.Request.RequestId);
        Assert.Null(downloaded.Request.Ca);
        Assert.Null(revoked.Ca);
        Assert.Null(verified.Ca);
        Assert.Null(node.Cas); // an older member: its CAs are not judged
    }

    [Fact]
    public void A_members_lifecycle_travels_in_its_node_info_and_an_older_member_reports_none()
    {
        var lifecycle = CertConnector.Actors.Updates.ReleaseLifecycle.Of("0.8.0", [new("0.9.0", T.AddMonths(-7), "", "https://example.com/p.deb", new string('0', 64))], T);
        var info = new NodeInfo("node-a", "0.8.0", T, TimeSpan.FromMinutes(5), null, null, lifecycle);

        var back = (NodeInfo)Serializer.FromBinary(Serializer.ToBinary(info), "cluster.node-info.v1");

        Assert.Equal(lifecycle, back.Lifecycle);
        Assert.Contains("\"OutOfSupport\"", Encoding.UTF8.GetString(Serializer.ToBinary(info)));
        Assert.Null(((NodeInfo)Serializer.FromBinary(Golden("cluster.node-info.v1"), "cluster.node-info.v1")).Lifecycle);
    }

    private static byte[] Golden(string manifest, [System.Runtime.CompilerServices.CallerFilePath] string here = "") =>
        File.ReadAllBytes(Path.Combine(Path.GetDirectoryName(here)!, "Golden", manifest + ".json"));
}
