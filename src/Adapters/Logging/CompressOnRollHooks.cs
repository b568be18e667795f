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
    private string? _keptAtStart;
    // The files the sink has closed and the archive does not have yet. Only these are ever compressed after start: the
    // directory also holds the file the sink is creating, before it tells us (a roll racing the compression of the last
    // one once archived a new file while it was being written, and its events were lost).
    private readonly List<string> _closed = [];

    public override Stream OnFileOpened(string path, Stream underlyingStream, System.Text.Encoding encoding)
    {
        var opened = Path.GetFullPath(path);
        lock (_gate)
        {
            // The sink opens a file only after closing the one before: that one is complete, and so is a file left from a
            // previous run that it did not continue.
            var previous = _current.Length > 0 ? _current : _keptAtStart;
            if (previous is not null && !string.Equals(previous, opened, StringComparison.Ordinal)) _closed.Add(previous);
            _keptAtStart = null;
            _current = opened;
            _work = _work.ContinueWith(_ => CompressClosed(), TaskScheduler.Default);
        }
        return underlyingStream;
    }

    /// <summary>
    /// Before the channel's first write: the files a previous run left, but the newest, which the sink continues when it is
    /// today's (and which is compressed when it rolls, or when the sink opens another). Synchronous, nothing of the channel
    /// is open yet.
    /// </summary>
    public void CompressLeftOver(string directory)
    {
        var files = Directory.GetFiles(directory, channel + "-*.jsonl").Select(Path.GetFullPath).Order(StringComparer.Ordinal).ToList();
        if (files.Count == 0) return;
        foreach (var file in files.SkipLast(1)) TryCompress(file);
        lock (_gate) _keptAtStart = files[^1];
        Prune();
    }

    /// <summary>Waits for the compression started so far (disposal, tests).</summary>
    public void Wait()
    {
        Task work;
        lock (_gate) work = _work;
        work.Wait();
    }

    private void CompressClosed()
    {
        string[] closed;
        lock (_gate)
        {
            closed = [.. _closed];
            _closed.Clear();
        }
        foreach (var file in closed)
            if (!TryCompress(file))
                lock (_gate) _closed.Add(file); // tried again at the next roll
        Prune();
    }

    private bool TryCompress(string file)
    {
        try
        {
            if (File.Exists(file)) Compress(file);
            return true;
        }
        catch (Exception e)
        {
            SelfLog.WriteLine("Could not compress log file {0}: {1}", file, e);
            return false;
        }
    }

    private void Compress(string path)
    {
        Directory.CreateDirectory(archiveDirectory);
        var target = Path.Combine(archiveDirectory, Path.GetFileName(path) + ".gz");
        var partial = target + ".partial"; // a kill mid-way leaves this, not a truncated archive; the next start does it again
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
