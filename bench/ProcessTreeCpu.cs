namespace CertConnector.Bench;

/// <summary>
/// CPU seconds (user + system) a process and its live descendants have used, from /proc (openssl's -multi responder works in
/// child processes). Read before and after a phase, the difference is what the server spent on it, whoever else shared the cores.
/// </summary>
public static class ProcessTreeCpu
{
    private const double TicksPerSecond = 100; // USER_HZ: 100 on every Linux the .NET SDK runs on

    public static double Seconds(int rootPid)
    {
        var stats = new Dictionary<int, (int Parent, long Ticks)>();
        foreach (var dir in Directory.EnumerateDirectories("/proc"))
        {
            if (!int.TryParse(Path.GetFileName(dir), out var pid)) continue;
            try
            {
                var text = File.ReadAllText(Path.Combine(dir, "stat"));
                // Fields after the command name, which is in parentheses and may hold spaces: state ppid ... utime(14) stime(15).
                var fields = text[(text.LastIndexOf(')') + 2)..].Split(' ');
                stats[pid] = (int.Parse(fields[1]), long.Parse(fields[11]) + long.Parse(fields[12]));
            }
            catch (IOException) { } // it ended meanwhile
        }
        long total = 0;
        var pending = new Stack<int>([rootPid]);
        while (pending.Count > 0)
        {
            var pid = pending.Pop();
            if (stats.TryGetValue(pid, out var own)) total += own.Ticks;
            foreach (var (child, stat) in stats) if (stat.Parent == pid) pending.Push(child);
        }
        return total / TicksPerSecond;
    }
}
