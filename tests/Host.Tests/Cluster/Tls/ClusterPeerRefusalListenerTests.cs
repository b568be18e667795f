using System.Collections.Concurrent;
using Akka.Actor;
using Akka.Event;
using CertConnector.Actors.Logging;
using CertConnector.Host.Composition;

namespace CertConnector.Host.Tests.Cluster.Tls;

/// <summary>
/// In TLS 1.3 either side of a handshake may judge the other's certificate first. When the peer this node connects to
/// refuses first, it hangs up, this node's validator is never asked, and Akka's client handler only logs an error: the
/// listener turns that into this node's own refusal line (0101), once per peer.
/// </summary>
public sealed class ClusterPeerRefusalListenerTests
{
    // Akka.Remote's client handler, by name: if an upgrade renames it, this test fails before production goes quiet.
    private static readonly Type ClientHandler = typeof(Akka.Remote.RemoteActorRefProvider).Assembly
        .GetType("Akka.Remote.Transport.DotNetty.TcpClientHandler", throwOnError: true)!;

    private const string HungUp =
        "TLS handshake failed on channel [[::ffff:127.0.0.1]:40112->[::ffff:127.0.0.1]:41353](Id=020e8906)\n" +
        "TLS handshake failed (Client side):\n  Error: Channel is closed\n";

    [Fact]
    public async Task A_peer_hanging_up_mid_handshake_is_this_node_s_refusal_logged_once_with_the_peer_s_endpoint()
    {
        var log = new ListLog();
        using var system = ActorSystem.Create("refusals-" + Guid.NewGuid().ToString("N"));
        system.ActorOf(Props.Create(() => new ClusterPeerRefusalListener(new ClusterPeerRefusals(log))));
        await Task.Delay(200); // the listener subscribes in PreStart

        // Akka logs a format and its arguments, through its logging adapter; a second and third attempt say the same.
        new BusLogging(system.EventStream, "TcpClientHandler", ClientHandler, DefaultLogMessageFormatter.Instance)
            .Error(new IOException("Channel is closed"), "TLS handshake failed on channel [{0}->{1}](Id={2})\n{3}",
                "[::ffff:127.0.0.1]:40112", "[::ffff:127.0.0.1]:41353", "020e8906", "TLS handshake failed (Client side):\n  Error: Channel is closed");
        for (var i = 0; i < 2; i++)
            system.EventStream.Publish(new Error(new IOException("Channel is closed"), "TcpClientHandler", ClientHandler, HungUp));
        // Not a refusal: a connection the peer's port refused, and the same text from a server handler.
        system.EventStream.Publish(new Error(null, "TcpClientHandler", ClientHandler, "Failed to connect to [::ffff:127.0.0.1]:41354"));
        system.EventStream.Publish(new Error(new IOException("Channel is closed"), "TcpClientHandler", typeof(object), HungUp.Replace("41353", "41355")));

        var deadline = DateTime.UtcNow.AddSeconds(10);
        while (log.Events.IsEmpty && DateTime.UtcNow < deadline) await Task.Delay(50);
        await Task.Delay(300); // repeats, had they been logged, would be here by now

        var refusal = Assert.Single(log.Events);
        Assert.Equal(ConnectorInternalEvents.ClusterPeerRefused.Id, refusal.Definition.Id);
        Assert.Equal("127.0.0.1:41353", refusal.Properties!["peer"]);
        Assert.Contains("this node connected to", refusal.Message);
        Assert.Contains("does not accept this node's member certificate", (string)refusal.Properties["reason"]!);
    }

    [Theory]
    [InlineData("TLS handshake failed on channel [[::ffff:10.0.0.1]:1->[::ffff:10.0.0.2]:2552](Id=1)", "10.0.0.2:2552")]
    [InlineData("TLS handshake failed on channel [[::1]:1->[::1]:2552](Id=1)", "[::1]:2552")]
    [InlineData("TLS handshake failed on channel [nothing here]", null)]
    public void The_remote_end_of_Akka_s_channel_text_is_read_as_host_and_port(string text, string? expected) =>
        Assert.Equal(expected, ClusterPeerRefusalListener.RemoteEndpoint(text));

    private sealed class ListLog : IConnectorEventLog
    {
        public ConcurrentQueue<ConnectorEvent> Events { get; } = new();
        public void Write(ConnectorEvent connectorEvent) => Events.Enqueue(connectorEvent);
    }
}
