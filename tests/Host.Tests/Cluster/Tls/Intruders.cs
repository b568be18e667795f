using System.Net;
using System.Net.Sockets;
using System.Security.Cryptography;
using System.Security.Cryptography.X509Certificates;
using System.Text.Json;
using System.Text.RegularExpressions;
using Akka.Actor;
using Akka.Actor.Setup;
using Akka.Configuration;
using Akka.Remote.Transport.DotNetty;

namespace CertConnector.Host.Tests.Cluster.Tls;

/// <summary>Things that are not members knocking on a connector's cluster port.</summary>
public static partial class Intruders
{
    /// <summary>The port Akka.Remote listens on, as the connector printed it at start.</summary>
    public static int RemotingPort(ConnectorProcess connector)
    {
        connector.WaitUntil(() => RemotingAddress().IsMatch(connector.Output), TimeSpan.FromSeconds(60), "remoting to listen");
        return int.Parse(RemotingAddress().Match(connector.Output).Groups[2].Value);
    }

    /// <summary>Connects from <paramref name="fromIp"/> (any 127.x.y.z on Linux), sends the bytes, waits for the server to hang up.</summary>
    public static void RawTcp(string fromIp, int port, byte[] payload)
    {
        using var socket = new Socket(AddressFamily.InterNetwork, SocketType.Stream, ProtocolType.Tcp);
        socket.Bind(new IPEndPoint(IPAddress.Parse(fromIp), 0));
        socket.Connect(IPAddress.Loopback, port);
        socket.Send(payload);
        socket.Shutdown(SocketShutdown.Send);
        socket.ReceiveTimeout = 30_000;
        var buffer = new byte[4096];
        try
        {
            while (socket.Receive(buffer) > 0) { } // whatever a TLS server says to garbage (an alert at most), until it closes
        }
        catch (SocketException) { } // reset: refused all the same
    }

    /// <summary>Bytes shaped like Akka.Remote's first frame: a 4-byte length, then a protobuf-looking AkkaProtocolMessage.</summary>
    public static byte[] AkkaLookingFrame()
    {
        byte[] body = [0x12, 0x2a, 0x08, 0x01, 0x12, 0x26, .. "akka.tcp://certconnector@127.0.0.1:1"u8, 0x18, 0x01];
        return [.. BitConverter.GetBytes(body.Length).Reverse(), .. body];
    }

    /// <summary>An Akka system of our own: plain TCP, or TLS with a self-made certificate that trusts anything.</summary>
    public static ActorSystem AkkaSystem(bool tls)
    {
        var config = ConfigurationFactory.ParseString($$"""
            akka.actor.provider = remote
            akka.remote.dot-netty.tcp { hostname = "127.0.0.1", port = 0, enable-ssl = {{(tls ? "on" : "off")}} }
            akka.loglevel = WARNING
            """);
        var setup = BootstrapSetup.Create().WithConfig(config);
        return ActorSystem.Create("certconnector", tls ? setup.And(new DotNettySslSetup(SelfMadeCertificate(), suppressValidation: true)) : ActorSystemSetup.Create(setup));
    }

    /// <summary>Asks the connector's actor at <paramref name="path"/> who it is: null when nothing answers.</summary>
    public static async Task<IActorRef?> Identify(ActorSystem system, string path)
    {
        try
        {
            var identity = await system.ActorSelection(path).Ask<ActorIdentity>(new Identify(1), TimeSpan.FromSeconds(15));
            return identity.Subject;
        }
        catch (Exception e) when (e is AskTimeoutException or TaskCanceledException or OperationCanceledException)
        {
            return null;
        }
    }

    public static X509Certificate2 SelfMadeCertificate(string subject = "CN=certconnector cluster member")
    {
        using var key = ECDsa.Create(ECCurve.NamedCurves.nistP256);
        var request = new CertificateRequest(subject, key, HashAlgorithmName.SHA256);
        return request.CreateSelfSigned(DateTimeOffset.UtcNow.AddMinutes(-5), DateTimeOffset.UtcNow.AddDays(1));
    }

    /// <summary>The connector's ClusterPeerRefused events (0101) as (peer, reason).</summary>
    public static IReadOnlyList<(string Peer, string Reason)> Refusals(string dataDir) =>
        ConnectorLogs.Events(dataDir, 101).Select(e => (Text(e, "peer"), Text(e, "reason"))).ToList();

    private static string Text(JsonElement e, string name) =>
        e.TryGetProperty(name, out var value) ? value.ToString() :
        e.TryGetProperty("properties", out var properties) && properties.TryGetProperty(name, out var nested) ? nested.ToString() : "";

    [GeneratedRegex(@"listening on addresses : \[(akka[.a-z]*)://certconnector@127\.0\.0\.1:(\d+)\]")]
    private static partial Regex RemotingAddress();
}
