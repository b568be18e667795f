using System.IO.Compression;
using Serilog.Debugging;
using Serilog.Sinks.File;

namespace CertConnector.Adapters.Logging;

/// <summary>
/// A channel's file is gzipped into the archive directory as soon as it is rolled (at the size limit, at midnight UTC, or found
/// left over at start), not kept as plain text until retention would delete it: the rolled files are most of a log's bytes.
/// The sink opens the new file only after closing the old one, so every other file of the channel is complete. The work runs
/// beside the writers (a 50 MB file takes a moment); the archive keeps the newest <c>retained</c> files of the channel.
/// </summary>
internal sealed class CompressOnRollHooks(string channel, string archiveDirectory, int retained) : FileLifecycleHooks
{
    private readonly object _gate = new();
    private Task _work = Task.CompletedTask;
    private string _current = "";

    public override Stream OnFileOpened(string path, Stream underlyingStream, System.Text.Encoding encoding)
    {
        var directory = Path.GetDirectoryName(Path.GetFullPath(path))!;
        lock (_gate)
        {
            _current = Path.GetFullPath(path);
            _work = _work.ContinueWith(_ => CompressRolled(directory), TaskScheduler.Default);
        }
        return underlyingStream;
    }

    /// <summary>The file being written is the one opened last: by the time the work runs, the sink may have rolled again.</summary>
    private bool IsCurrent(string path)
    {
        lock (_gate) return string.Equals(Path.GetFullPath(path), _current, StringComparison.Ordinal);
    }

    /// <summary>
    /// Before the channel's first write: the files a previous run left, but the newest, which the sink continues when it is
    /// today's (and which is compressed when it rolls). Synchronous, nothing of the channel is open yet.
    /// </summary>
    public void CompressLeftOver(string directory)
    {
        var newest = Directory.GetFiles(directory, channel + "-*.jsonl").Order(StringComparer.Ordinal).LastOrDefault();
        CompressAll(directory, file => file == newest);
    }

    /// <summary>Waits for the compression started so far (disposal, tests).</summary>
    public void Wait()
    {
        Task work;
        lock (_gate) work = _work;
        work.Wait();
    }

    private void CompressRolled(string directory) => CompressAll(directory, IsCurrent);

    /// <summary>Every file of the channel but the one <paramref name="keep"/> names, then the archive's retention.</summary>
    private void CompressAll(string directory, Func<string, bool> keep)
    {
        foreach (var file in Directory.GetFiles(directory, channel + "-*.jsonl").Where(f => !keep(f)))
        {
            try
            {
                Compress(file);
            }
            catch (Exception e)
            {
                SelfLog.WriteLine("Could not compress log file {0}: {1}", file, e);
            }
        }
        Prune();
    }

    private void Compress(string path)
    {
        Directory.CreateDirectory(archiveDirectory);
        var target = Path.Combine(archiveDirectory, Path.GetFileName(path) + ".gz");
        var partial = target + ".partial"; // a kill mid-way leaves this, not a truncated archive; the next roll does it again
        using (var source = File.OpenRead(path))
        using (var destination = File.Create(partial))
        using (var gzip = new GZipStream(destination, CompressionLevel.Fastest))
            source.CopyTo(gzip);
        // Never over an archive: a name the sink used again (its files deleted by hand) keeps both, one with a suffix. A file
        // whose compression was cut short before the delete is archived twice: events twice rather than lost.
        for (var n = 1; File.Exists(target); n++)
            target = Path.Combine(archiveDirectory, $"{Path.GetFileNameWithoutExtension(path)}.{n}.jsonl.gz");
        File.Move(partial, target);
        File.Delete(path);
    }

    private void Prune()
    {
        if (!Directory.Exists(archiveDirectory)) return;
        // yyyyMMdd and _NNN sequence numbers sort as text in the order they were written.
        foreach (var old in Directory.GetFiles(archiveDirectory, channel + "-*.jsonl.gz").OrderByDescending(f => f, StringComparer.Ordinal).Skip(retained))
            try { File.Delete(old); }
            catch (IOException e) { SelfLog.WriteLine("Could not remove archived log file {0}: {1}", old, e); }
    }
}
