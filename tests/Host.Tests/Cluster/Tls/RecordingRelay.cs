using System.Net;
using System.Net.Sockets;

namespace CertConnector.Host.Tests.Cluster.Tls;

/// <summary>
/// A TCP relay on loopback in front of a node's cluster port that keeps every byte it forwards, both ways: what anyone
/// on the path between two members would see, without tshark or root.
/// </summary>
public sealed class RecordingRelay : IDisposable
{
    private readonly TcpListener _listener;
    private readonly MemoryStream _captured = new();
    private readonly CancellationTokenSource _stop = new();
    private readonly int _target;

    /// <summary>
    /// Listens only from <see cref="Start"/>: a connection it accepted and could not forward would fail the connecting
    /// node's TLS handshake, and Akka stops a node whose outbound handshake fails. Before that, connecting is refused.
    /// </summary>
    public RecordingRelay(int port, int targetPort)
    {
        Port = port;
        _target = targetPort;
        _listener = new TcpListener(IPAddress.Loopback, port);
    }

    public int Port { get; }

    /// <summary>Call once the target listens.</summary>
    public void Start()
    {
        _listener.Start();
        _ = AcceptAsync();
    }

    public byte[] Captured()
    {
        lock (_captured) return _captured.ToArray();
    }

    private async Task AcceptAsync()
    {
        while (!_stop.IsCancellationRequested)
        {
            TcpClient inbound;
            try { inbound = await _listener.AcceptTcpClientAsync(_stop.Token); }
            catch (Exception e) when (e is OperationCanceledException or SocketException or ObjectDisposedException) { return; }
            _ = RelayAsync(inbound);
        }
    }

    private async Task RelayAsync(TcpClient inbound)
    {
        using (inbound)
        using (var outbound = new TcpClient())
        {
            try
            {
                await outbound.ConnectAsync(IPAddress.Loopback, _target, _stop.Token);
                await Task.WhenAny(PumpAsync(inbound.GetStream(), outbound.GetStream()), PumpAsync(outbound.GetStream(), inbound.GetStream()));
            }
            catch (Exception e) when (e is SocketException or IOException or OperationCanceledException or ObjectDisposedException) { }
        }
    }

    private async Task PumpAsync(Stream from, Stream to)
    {
        var buffer = new byte[16 * 1024];
        try
        {
            int read;
            while ((read = await from.ReadAsync(buffer, _stop.Token)) > 0)
            {
                lock (_captured) _captured.Write(buffer, 0, read);
                await to.WriteAsync(buffer.AsMemory(0, read), _stop.Token);
            }
        }
        catch (Exception e) when (e is SocketException or IOException or OperationCanceledException or ObjectDisposedException) { }
    }

    public void Dispose()
    {
        _stop.Cancel();
        _listener.Stop();
    }
}
