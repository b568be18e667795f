using System.Diagnostics;
using System.Runtime.InteropServices;
using System.Text;
using Microsoft.Win32.SafeHandles;

namespace CertConnector.Host.Tests;

/// <summary>
/// A process on a pseudo-terminal of its own (posix_openpt; the child opens the slave side as its standard input, output and
/// error in a new session), read and typed into the way a person at a terminal would: an answer is sent only once its
/// question is on the screen. util-linux's <c>script</c> was tried first and stalled mid-conversation under load.
/// </summary>
public sealed class PseudoTerminal : IDisposable
{
    private const int ReadWrite = 0x2, NoControllingTerminal = 0x100;
    private readonly FileStream _master;
    private readonly Process _process;
    private readonly StringBuilder _screen = new();
    private readonly Task _reader;
    private int _seen;

    public PseudoTerminal(string command)
    {
        var fd = posix_openpt(ReadWrite | NoControllingTerminal);
        if (fd < 0 || grantpt(fd) != 0 || unlockpt(fd) != 0) throw new InvalidOperationException($"No pseudo-terminal (errno {Marshal.GetLastPInvokeError()}).");
        var name = new byte[128];
        if (ptsname_r(fd, name, name.Length) != 0) throw new InvalidOperationException("ptsname_r failed.");
        var slave = Encoding.ASCII.GetString(name, 0, Array.IndexOf(name, (byte)0));
        _master = new FileStream(new SafeFileHandle(fd, ownsHandle: true), FileAccess.ReadWrite, bufferSize: 0);

        var info = new ProcessStartInfo("setsid", ["sh", "-c", $"exec {command} <\"$PTY\" >\"$PTY\" 2>&1"]) { UseShellExecute = false };
        info.Environment["PTY"] = slave;
        info.Environment["TERM"] = "xterm";
        _process = Process.Start(info)!;
        _reader = Task.Run(() =>
        {
            var buffer = new byte[1024];
            try
            {
                int read;
                while ((read = _master.Read(buffer, 0, buffer.Length)) > 0)
                    lock (_screen) _screen.Append(Encoding.UTF8.GetString(buffer, 0, read));
            }
            catch (IOException) { } // EIO: every process holding the slave side has exited
        });
    }

    /// <summary>Everything printed so far.</summary>
    public string Screen { get { lock (_screen) return _screen.ToString(); } }

    /// <summary>Waits for <paramref name="text"/> after what was already seen, then types <paramref name="answer"/> and enter (null: only wait).</summary>
    public void Answer(string text, string? answer)
    {
        var deadline = DateTime.UtcNow.AddSeconds(60);
        while (true)
        {
            lock (_screen)
            {
                var at = _screen.ToString().IndexOf(text, _seen, StringComparison.Ordinal);
                if (at >= 0) { _seen = at + text.Length; break; }
            }
            if (DateTime.UtcNow > deadline || (_process.HasExited && _reader.IsCompleted))
                throw new TimeoutException($"No '{text}' on the terminal.\n{Screen}");
            Thread.Sleep(50);
        }
        if (answer is null) return;
        Thread.Sleep(100); // the question is printed just before the read starts: nobody types faster than that
        _master.Write(Encoding.UTF8.GetBytes(answer + "\r"));
        _master.Flush();
    }

    /// <summary>Waits for the process to end; its exit code.</summary>
    public int Exit()
    {
        if (!_process.WaitForExit(TimeSpan.FromSeconds(60)))
        {
            _process.Kill(entireProcessTree: true);
            throw new TimeoutException($"Still running after its last answer.\n{Screen}");
        }
        _reader.Wait(TimeSpan.FromSeconds(10));
        return _process.ExitCode;
    }

    public void Dispose()
    {
        if (!_process.HasExited) _process.Kill(entireProcessTree: true);
        _process.Dispose();
        _master.Dispose();
    }

    [DllImport("libc", SetLastError = true)] private static extern int posix_openpt(int flags);
    [DllImport("libc", SetLastError = true)] private static extern int grantpt(int fd);
    [DllImport("libc", SetLastError = true)] private static extern int unlockpt(int fd);
    [DllImport("libc", SetLastError = true)] private static extern int ptsname_r(int fd, byte[] buffer, nint length);
}
