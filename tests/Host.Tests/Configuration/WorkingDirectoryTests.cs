using CertConnector.Host.Tests.Common;

namespace CertConnector.Host.Tests.Configuration;

/// <summary>
/// The working directory is where appsettings.json is read from, once: the connector does not watch it. ASP.NET Core's default
/// (reload on change) watched it recursively, one inotify watch per directory below it: started from /tmp or a repository,
/// thousands, each start paying for them and the machine's inotify limit shared with everything else.
/// </summary>
public sealed class WorkingDirectoryTests
{
    private const int Subdirectories = 40;

    [Fact]
    public void The_working_directory_and_the_directories_below_it_are_not_watched()
    {
        var work = Tools.TempDir("workdir");
        for (var i = 0; i < Subdirectories; i++) Directory.CreateDirectory(Path.Combine(work, $"sub-{i}", "deeper"));
        using var connector = ConnectorProcess.StartIn(work, Path.Combine(Tools.TempDir("workdir-data"), "data"));

        var watches = InotifyWatches(connector.ProcessId);
        Assert.True(watches < Subdirectories, $"{watches} inotify watches for a working directory with {2 * Subdirectories} directories below it");
    }

    /// <summary>The process's inotify watches, from /proc/PID/fdinfo of each inotify descriptor.</summary>
    private static int InotifyWatches(int pid) => Directory.GetFiles($"/proc/{pid}/fd")
        .Where(fd => new FileInfo(fd).LinkTarget == "anon_inode:inotify")
        .Sum(fd => File.ReadLines($"/proc/{pid}/fdinfo/{Path.GetFileName(fd)}").Count(line => line.StartsWith("inotify wd:", StringComparison.Ordinal)));
}
