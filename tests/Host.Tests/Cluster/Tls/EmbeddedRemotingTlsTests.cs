using System.Security.Cryptography;
using Akka.Actor;
using CertConnector.Actors.Scep;

namespace CertConnector.Host.Tests.Cluster.Tls;

/// <summary>
/// The embedded default (one node, SQLite) listens for Akka.Remote on a loopback port: with mutual TLS and its own pinned
/// certificate, no other local process can talk to its actors (and so around the admin token).
/// </summary>
public sealed class EmbeddedRemotingTlsTests(RunningConnector connector) : IClassFixture<RunningConnector>
{
    private ConnectorProcess Node => connector.Process;

    [Fact]
    public async Task Nothing_without_the_node_s_own_certificate_gets_through_and_each_refused_peer_is_logged_once()
    {
        var port = Intruders.RemotingPort(Node);
        var marker = "tls-intruder-" + Guid.NewGuid().ToString("N");
        var scepRegion = $"certconnector@127.0.0.1:{port}/system/sharding/{ScepHosting.ShardTypeName}";
        var submit = new SubmitScepRequest(marker, marker, RandomNumberGenerator.GetBytes(64), "challenge-" + marker, "intruder " + marker);

        for (var attempt = 0; attempt < 2; attempt++)
        {
            Intruders.RawTcp("127.0.0.2", port, RandomNumberGenerator.GetBytes(600));
            Intruders.RawTcp("127.0.0.3", port, Intruders.AkkaLookingFrame());
        }
        using (var plain = Intruders.AkkaSystem(tls: false))
        {
            Assert.Null(await Intruders.Identify(plain, "akka.tcp://" + scepRegion));
            plain.ActorSelection("akka.tcp://" + scepRegion).Tell(submit);
            await plain.Terminate();
        }
        using (var selfMade = Intruders.AkkaSystem(tls: true))
        {
            Assert.Null(await Intruders.Identify(selfMade, "akka.ssl.tcp://" + scepRegion));
            selfMade.ActorSelection("akka.ssl.tcp://" + scepRegion).Tell(submit);
            await selfMade.Terminate();
        }
        // The refusals are written in order by one listener: once the last peer's is there, any repeat of the others would be too.
        Intruders.RawTcp("127.0.0.4", port, [0x16, 0x03, 0x01]);
        Node.WaitUntil(() => Intruders.Refusals(Node.DataDir).Any(r => r.Peer == "127.0.0.4"), TimeSpan.FromSeconds(30), "the refusal of 127.0.0.4");

        var refusals = Intruders.Refusals(Node.DataDir);
        Assert.Single(refusals, r => r.Peer == "127.0.0.2");
        Assert.Single(refusals, r => r.Peer == "127.0.0.3");
        var local = refusals.Where(r => r.Peer == "127.0.0.1").ToList();
        Assert.Single(local, r => r.Reason.Contains("TLS handshake")); // the plain Akka system
        Assert.Single(local, r => r.Reason.Contains("not this node's own remoting certificate")); // the self-made certificate
        Assert.Equal(2, local.Count);

        var stores = DataDirSecretScan.Journal(Node.DataDir).Concat(DataDirSecretScan.StandaloneDatabase(Node.DataDir))
            .Concat(Directory.GetFiles(Path.Combine(Node.DataDir, "ca"), "issued.db*"));
        Assert.Empty(DataDirSecretScan.Find(stores, [marker]));
        Assert.DoesNotContain(marker, Node.Output);
    }

    [Fact]
    public void The_remoting_key_is_kept_encrypted_and_readable_by_the_owner_only()
    {
        Intruders.RemotingPort(Node);
        var key = Path.Combine(Node.DataDir, "ca", "remoting.key.p8");
        Assert.Equal(UnixFileMode.UserRead | UnixFileMode.UserWrite, File.GetUnixFileMode(key));
        var text = File.ReadAllText(key);
        Assert.StartsWith("-----BEGIN ENCRYPTED PRIVATE KEY-----", text);
        Assert.DoesNotContain("-----BEGIN PRIVATE KEY-----", text);
        Assert.DoesNotContain("-----BEGIN EC PRIVATE KEY-----", text);
        // The node presents (and pins) the certificate stored beside the key.
        var certificate = System.Security.Cryptography.X509Certificates.X509Certificate2.CreateFromPem(File.ReadAllText(Path.Combine(Node.DataDir, "ca", "remoting.crt.pem")));
        Assert.Contains($"this node's certificate {certificate.Thumbprint}", Node.Output);
        Assert.Matches(@"listening on addresses : \[akka\.ssl\.tcp://", Node.Output);
    }
}
