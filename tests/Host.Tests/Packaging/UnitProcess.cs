using System.Diagnostics;
using System.Net.Sockets;
using System.Text;

namespace CertConnector.Host.Tests.Packaging;

/// <summary>
/// A systemd unit's ExecStart run as systemd would run it, on a machine whose PID 1 is not systemd: as the unit's user,
/// with its environment (Environment=, EnvironmentFile=), in its sandbox (run-as-unit.sh: ProtectSystem=strict,
/// ReadWritePaths, PrivateTmp, ProtectHome, NoNewPrivileges, no capabilities), as PID 1 of a PID namespace with a
/// NOTIFY_SOCKET the test listens on, so Type=notify's READY=1 and STOPPING=1 are seen.
/// </summary>
public sealed class UnitProcess : IDisposable
{
    private readonly Process _unshare;
    private readonly Socket _notify;
    private readonly string _notifyDirectory;
    private readonly StringBuilder _output = new();
    private readonly List<string> _notifications = [];

    private UnitProcess(Process unshare, Socket notify, string notifyDirectory)
    {
        _unshare = unshare;
        _notify = notify;
        _notifyDirectory = notifyDirectory;
    }

    public string Output { get { lock (_output) return _output.ToString(); } }
    public IReadOnlyList<string> Notifications => _notifications;
    /// <summary>The service's process (ExecStart's), as the host sees it.</summary>
    public int ServicePid { get; private set; }

    /// <param name="sandbox">run-as-unit.sh.</param>
    public static UnitProcess Start(SystemdUnit unit, string sandbox)
    {
        // Not under /tmp: the sandbox's PrivateTmp hides the real one from the service.
        var directory = Path.Combine("/run", $"certconnector-test-{Guid.NewGuid():N}");
        Directory.CreateDirectory(directory);
        File.SetUnixFileMode(directory, (UnixFileMode)Convert.ToInt32("755", 8));
        var socketPath = Path.Combine(directory, "notify");
        var socket = new Socket(AddressFamily.Unix, SocketType.Dgram, ProtocolType.Unspecified) { ReceiveTimeout = 500 };
        socket.Bind(new UnixDomainSocketEndPoint(socketPath));
        File.SetUnixFileMode(socketPath, (UnixFileMode)Convert.ToInt32("666", 8)); // the service user sends to it

        var user = unit.Value("User");
        var home = File.ReadLines("/etc/passwd").Select(l => l.Split(':')).First(f => f[0] == user)[5];
        var info = new ProcessStartInfo("unshare") { RedirectStandardOutput = true, RedirectStandardError = true, UseShellExecute = false };
        foreach (var a in new[] { "--mount", "--pid", "--fork", "--mount-proc", "--kill-child", "--", "sh", sandbox, user,
                     unit.Value("ReadWritePaths"), unit.Value("WorkingDirectory"), "--" })
            info.ArgumentList.Add(a);
        foreach (var word in unit.ExecStart) info.ArgumentList.Add(word);
        // systemd starts a service with a small environment of its own, then the unit's.
        info.Environment.Clear();
        info.Environment["PATH"] = "/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin";
        info.Environment["HOME"] = home;
        info.Environment["USER"] = user;
        info.Environment["LOGNAME"] = user;
        info.Environment["NOTIFY_SOCKET"] = socketPath;
        foreach (var (name, value) in unit.Environment()) info.Environment[name] = value;

        var process = new Process { StartInfo = info };
        var started = new UnitProcess(process, socket, directory);
        process.OutputDataReceived += (_, e) => started.Append(e.Data);
        process.ErrorDataReceived += (_, e) => started.Append(e.Data);
        process.Start();
        process.BeginOutputReadLine();
        process.BeginErrorReadLine();
        started.WaitForNotification("READY=1", TimeSpan.FromSeconds(180)); // TimeoutStartSec
        started.ServicePid = int.Parse(File.ReadAllText($"/proc/{process.Id}/task/{process.Id}/children").Trim().Split(' ')[0]);
        return started;
    }

    /// <summary>A field of /proc/PID/status of the service, e.g. <c>Uid</c>, <c>NoNewPrivs</c>, <c>CapBnd</c>.</summary>
    public string Status(string field) =>
        File.ReadLines($"/proc/{ServicePid}/status").First(l => l.StartsWith(field + ":", StringComparison.Ordinal))[(field.Length + 1)..].Trim();

    /// <summary>SIGTERM, as <c>systemctl stop</c>; the exit code, once it has stopped (within TimeoutStopSec).</summary>
    public int Stop()
    {
        using (var kill = Process.Start("kill", ["-TERM", ServicePid.ToString()])) kill.WaitForExit();
        WaitForNotification("STOPPING=1", TimeSpan.FromSeconds(90));
        if (!_unshare.WaitForExit(TimeSpan.FromSeconds(90))) throw new TimeoutException($"The service did not stop within 90 s.\n{Output}");
        _unshare.WaitForExit();
        return _unshare.ExitCode;
    }

    /// <summary>Waits on another process (not a timing assertion): fails if it exits first.</summary>
    private void WaitForNotification(string state, TimeSpan timeout)
    {
        var deadline = DateTime.UtcNow + timeout;
        var buffer = new byte[4096];
        while (!_notifications.Any(n => n.Split('\n').Contains(state)))
        {
            if (DateTime.UtcNow > deadline) throw new TimeoutException($"No {state} from the service within {timeout.TotalSeconds} s.\n{Output}");
            try
            {
                var received = _notify.Receive(buffer);
                _notifications.Add(Encoding.UTF8.GetString(buffer, 0, received));
            }
            catch (SocketException e) when (e.SocketErrorCode == SocketError.TimedOut || e.SocketErrorCode == SocketError.WouldBlock)
            {
                if (_unshare.HasExited && state == "READY=1")
                    throw new InvalidOperationException($"The service exited ({_unshare.ExitCode}) before READY=1.\n{Output}");
            }
        }
    }

    public void Dispose()
    {
        // --kill-child: the service dies with unshare.
        if (!_unshare.HasExited) _unshare.Kill(entireProcessTree: true);
        _unshare.WaitForExit();
        _unshare.Dispose();
        _notify.Dispose();
        try { Directory.Delete(_notifyDirectory, true); } catch (IOException) { }
    }

    private void Append(string? line)
    {
        if (line is null) return;
        lock (_output) _output.AppendLine(line);
    }
}
