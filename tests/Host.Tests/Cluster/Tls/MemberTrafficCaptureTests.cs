using System.Text;
using Org.BouncyCastle.X509;

namespace CertConnector.Host.Tests.Cluster.Tls;

/// <summary>
/// What crosses between members: SCEP requests (challenge, CSR) and their certificates, PKCS results. Every member's
/// cluster port sits behind a recording relay; the recording must hold none of it in the clear.
/// </summary>
[Trait("Category", "Slow")]
[Trait("Category", "Postgres")]
[Collection(ConnectorCluster.Collection)]
public sealed class MemberTrafficCaptureTests
{
    private const int ScepCount = 8;
    private const int PkcsCount = 4;

    [Fact]
    public async Task Challenges_CSRs_and_certificates_crossing_members_are_not_on_the_wire_in_clear()
    {
        using var cluster = new ConnectorCluster("tls_capture", ConnectorCluster.FastSettings);
        var a = cluster.Add("a", pkcs: true, scep: true, revocation: false);
        var b = cluster.Add("b", pkcs: true, scep: true, revocation: false);
        using var relayA = new RecordingRelay(Tools.FreePort(), a.ClusterPort);
        using var relayB = new RecordingRelay(Tools.FreePort(), b.ClusterPort);
        a.PublicClusterPort = relayA.Port;
        b.PublicClusterPort = relayB.Port;
        a.Start();
        Intruders.RemotingPort(a.Process!);
        relayA.Start();
        b.Start();
        Intruders.RemotingPort(b.Process!);
        relayB.Start();
        cluster.WaitUntilUp(a, [a, b], TimeSpan.FromSeconds(90)); // members known by their relay addresses: all member traffic goes through them

        // Every SCEP request arrives at b's HTTP endpoint; sharding spreads the requests' entities over both members.
        var challenges = new List<string>();
        var certificates = new List<X509Certificate>();
        for (var i = 0; i < ScepCount; i++)
        {
            var subject = $"CN=tls-s-{i:D2}";
            var challenge = await ClusterRequests.ChallengeAsync([b], 0, subject);
            challenges.Add(challenge);
            certificates.Add((await ScepDevices.EnrollAsync([b], 0, subject, challenge, TimeSpan.FromMinutes(2))).Certificate);
        }
        var deviceCert = ClusterRequests.DeviceCertificate(cluster.Dir);
        for (var i = 0; i < PkcsCount; i++) await ClusterRequests.QueuePkcsAsync(cluster.Nodes, i % 2, $"tls-cap-{i}", deviceCert);
        await ConnectorCluster.WaitForAsync(() => cluster.Count("SELECT count(*) FROM pkcs_results WHERE request_id LIKE 'tls-cap-%'") == PkcsCount,
            TimeSpan.FromMinutes(2), "the PKCS results", cluster);
        var pkcsCertificates = cluster.Rows("SELECT der FROM issued_certificates WHERE request_id LIKE 'tls-cap-%'").Select(r => new X509Certificate((byte[])r[0]!)).ToList();
        Assert.Equal(PkcsCount, pkcsCertificates.Count);

        // The test means something only if requests did cross: some SCEP entities ran on a, whose requests came in at b.
        var issuedOnA = ConnectorLogs.Events(a.DataDir, 4006).Count;
        Assert.True(issuedOnA > 0, "no SCEP request's entity ran on a: nothing crossed members\n" + cluster.Logs());

        var wire = relayA.Captured().Concat(relayB.Captured()).ToArray();
        Assert.True(wire.Length > 10_000, $"only {wire.Length} bytes went between the members");

        var needles = challenges.SelectMany(c => DataDirSecretScan.Encodings(c).Select(e => ($"challenge {c} ({e.Form})", e.Bytes)))
            // The requests' public keys: in the CSR that travels with the challenge, and in the certificate that travels back.
            .Concat(certificates.Concat(pkcsCertificates).SelectMany(c => AsIsAndInBase64($"public key of {c.SubjectDN}", c.CertificateStructure.SubjectPublicKeyInfo.GetEncoded())))
            .Concat(certificates.Concat(pkcsCertificates).SelectMany(c => AsIsAndInBase64($"certificate {c.SubjectDN}", c.GetEncoded()[^64..])))
            .Append(("the Akka system name", Encoding.ASCII.GetBytes("certconnector@127.0.0.1")));
        var found = needles.Where(n => wire.AsSpan().IndexOf(n.Item2) >= 0).Select(n => n.Item1).ToList();
        Assert.True(found.Count == 0, "in clear between members: " + string.Join(", ", found));
        Assert.Contains(wire.Take(1), b => b == 0x16); // a TLS handshake record opens the first connection
    }

    /// <summary>The bytes, and the middle of their base64 at each alignment (the JSON serializer writes byte arrays so).</summary>
    private static IEnumerable<(string, byte[])> AsIsAndInBase64(string what, byte[] bytes)
    {
        yield return (what, bytes);
        for (var offset = 0; offset < 3; offset++)
        {
            var base64 = Convert.ToBase64String([.. new byte[offset], .. bytes]);
            yield return ($"{what} in base64", Encoding.ASCII.GetBytes(base64[4..^4]));
        }
    }
}
