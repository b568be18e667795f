using System.Collections.Concurrent;
using System.Net;
using Akka.Actor;
using Akka.Event;
using CertConnector.Actors.Logging;

namespace CertConnector.Host.Composition;

/// <summary>
/// Writes <see cref="ConnectorInternalEvents.ClusterPeerRefused"/> once per peer and reason. A peer connecting to this
/// node is known by its IP address (its source port changes with every attempt); a node this one connects to, by its Akka
/// address. A refused peer retries every few seconds: one line says it all, the rest would bury the log.
/// </summary>
public sealed class ClusterPeerRefusals(IConnectorEventLog log)
{
    private const int MaxRemembered = 10_000; // a flood from many addresses costs bounded memory (and starts logging afresh)

    private readonly ConcurrentDictionary<string, byte> _logged = new();
    private readonly ConcurrentDictionary<string, byte> _explained = new();

    /// <summary>The validator refused <paramref name="peer"/> (an IP endpoint inbound, an Akka address outbound).</summary>
    public void Refused(string peer, string reason) => Log(peer, reason, outbound: !IPEndPoint.TryParse(peer, out _));

    /// <summary>
    /// A node this one connected to (<paramref name="endpoint"/>, host:port) hung up in the middle of the TLS handshake:
    /// it refused this node's certificate. Which of the two sides judges first is a race in TLS 1.3, so without this line
    /// a node of another connector would sometimes say nothing about why it never joins.
    /// </summary>
    public void ClosedByPeer(string endpoint) =>
        Log(endpoint, "it closed the connection during the TLS handshake: it does not accept this node's member certificate " +
                      "(the cluster of a different connector), or it was stopping", outbound: true);

    private void Log(string peer, string reason, bool outbound)
    {
        Remember(_explained, peer);
        var who = outbound ? peer : PeerName(peer);
        if (!Remember(_logged, who + "\n" + reason)) return;
        var direction = outbound ? "this node connected to" : "connecting to this node";
        log.Write(ConnectorInternalEvents.ClusterPeerRefused, null, $"Cluster transport refused {who} ({direction}): {reason}.",
            ("peer", who), ("reason", reason));
    }

    /// <summary>Akka gave up a connection's TLS handshake without asking the validator: unless it had, say why.</summary>
    public void HandshakeFailed(string peer, string reason)
    {
        if (_explained.TryRemove(peer, out _)) return;
        Refused(peer, reason);
        _explained.TryRemove(peer, out _);
    }

    private static bool Remember(ConcurrentDictionary<string, byte> set, string key)
    {
        if (set.Count >= MaxRemembered) set.Clear();
        return set.TryAdd(key, 0);
    }

    private static string PeerName(string peer) =>
        IPEndPoint.TryParse(peer, out var endpoint) ? (endpoint.Address.IsIPv4MappedToIPv6 ? endpoint.Address.MapToIPv4() : endpoint.Address).ToString() : peer;
}

/// <summary>
/// Akka's TCP server handler decides two refusals itself, before any validator runs: a client without a certificate,
/// and a client that does not speak TLS at all (plain Akka, a port scanner). Its client handler sees a peer hang up
/// mid-handshake (the peer refused this node). Akka only logs these, so they are read here.
/// </summary>
public sealed class ClusterPeerRefusalListener : ReceiveActor
{
    // Akka.Remote 1.5.74's messages (TcpServerHandler); EmbeddedRemotingTlsTests fails if an upgrade rewords them.
    private const string NoCertificate = "Mutual TLS required but client did not provide a certificate from {0}";
    private const string Rejected = "Rejected incoming connection from [{0}] due to TLS handshake failure";
    private const string TlsException = "TLS exception on channel [{0}->{1}]";
    private const string ClientHandshakeFailed = "TLS handshake failed on channel [";
    private const string PeerHungUp = "Channel is closed";

    public ClusterPeerRefusalListener(ClusterPeerRefusals refusals)
    {
        Receive<LogEvent>(e =>
        {
            if (e.LogClass?.Name == "TcpClientHandler")
            {
                var text = e.Message?.ToString() ?? "";
                if (text.StartsWith(ClientHandshakeFailed, StringComparison.Ordinal) && text.Contains(PeerHungUp, StringComparison.Ordinal)
                    && RemoteEndpoint(text) is { } remote)
                    refusals.ClosedByPeer(remote);
                return;
            }
            if (e.Message is not LogMessage message || e.LogClass?.Name != "TcpServerHandler") return;
            var parameters = message.Parameters().ToArray();
            if (message.Format == NoCertificate && parameters.Length > 0)
                refusals.Refused(parameters[0]?.ToString() ?? "unknown", "it presented no certificate");
            else if (message.Format.StartsWith(Rejected, StringComparison.Ordinal) && parameters.Length > 0)
                refusals.HandshakeFailed(parameters[0]?.ToString() ?? "unknown", "it did not complete a TLS handshake (plain TCP, or not TLS at all)");
            else if (message.Format.StartsWith(TlsException, StringComparison.Ordinal) && parameters.Length > 1)
                refusals.HandshakeFailed(parameters[1]?.ToString() ?? "unknown", "its TLS handshake failed");
        });
    }

    /// <summary>"[local->remote]" of Akka's channel text, the remote as host:port (an IPv4 address mapped to IPv6 unmapped).</summary>
    public static string? RemoteEndpoint(string text)
    {
        var start = text.IndexOf("->", StringComparison.Ordinal);
        var end = start < 0 ? -1 : text.IndexOf("](", start, StringComparison.Ordinal);
        if (end < 0 || !IPEndPoint.TryParse(text[(start + 2)..end], out var remote)) return null;
        var address = remote.Address.IsIPv4MappedToIPv6 ? remote.Address.MapToIPv4() : remote.Address;
        return new IPEndPoint(address, remote.Port).ToString();
    }

    protected override void PreStart()
    {
        Context.System.EventStream.Subscribe(Self, typeof(Warning));
        Context.System.EventStream.Subscribe(Self, typeof(Error));
    }

    protected override void PostStop() => Context.System.EventStream.Unsubscribe(Self);
}
