using System.Diagnostics;

namespace CertConnector.Host.Configuration;

/// <summary>
/// One connector per data directory: an exclusive lock (flock on Unix) on <c>connector.lock</c>, held for the
/// life of the process and dropped by the kernel when it dies, even by kill -9. The holder's PID is written
/// beside it, so a second start can say who is running.
/// </summary>
public sealed class DataDirectoryLock : IDisposable
{
    private readonly FileStream _lock;
    private readonly string _pidFile;

    private DataDirectoryLock(FileStream @lock, string pidFile)
    {
        _lock = @lock;
        _pidFile = pidFile;
    }

    /// <summary>Takes the lock or throws a <see cref="StartupException"/> naming the running instance.</summary>
    public static DataDirectoryLock Acquire(DataDirectory data)
    {
        FileStream stream;
        try
        {
            // FileShare.None makes .NET take flock(LOCK_EX | LOCK_NB) on Unix.
            stream = new FileStream(data.LockFile, FileMode.OpenOrCreate, FileAccess.ReadWrite, FileShare.None, 1, FileOptions.None);
        }
        catch (IOException) when (File.Exists(data.LockFile))
        {
            throw new StartupException($"The data directory {data.Root} is in use by another connector ({Holder(data)}). " +
                                       "Stop it first, or give this instance its own --data-dir.");
        }
        var @lock = new DataDirectoryLock(stream, data.PidFile);
        File.WriteAllText(data.PidFile, Environment.ProcessId + "\n");
        // What the previous run left is stale now; the URL files are written again once the listeners are up.
        foreach (var file in data.UrlFiles.ToList()) File.Delete(file);
        return @lock;
    }

    private static string Holder(DataDirectory data)
    {
        var pid = File.Exists(data.PidFile) ? File.ReadAllText(data.PidFile).Trim() : "?";
        var url = File.Exists(data.AdminUrlFile) ? File.ReadAllText(data.AdminUrlFile).Trim() : "not listening yet";
        var name = int.TryParse(pid, out var id) ? ProcessName(id) : null;
        return $"PID {pid}{(name is null ? "" : $" ({name})")}, admin API {url}";
    }

    private static string? ProcessName(int pid)
    {
        try
        {
            using var process = Process.GetProcessById(pid);
            return process.ProcessName;
        }
        catch (Exception e) when (e is ArgumentException or InvalidOperationException)
        {
            return null;
        }
    }

    public void Dispose()
    {
        try { File.Delete(_pidFile); } catch (IOException) { }
        _lock.Dispose();
    }
}
