using System.IO.Compression;
using Serilog.Debugging;
using Serilog.Sinks.File;

namespace CertConnector.Adapters.Logging;

/// <summary>
/// Rolled log files are archived, not lost: just before the file sink's retention deletes a file,
/// it is gzipped into the archive directory. Runs rarely (once per rolled-out file), so doing it inline is fine.
/// </summary>
internal sealed class ArchiveOnRemoveHooks(string archiveDirectory) : FileLifecycleHooks
{
    public override void OnFileDeleting(string path)
    {
        try
        {
            Directory.CreateDirectory(archiveDirectory);
            var target = Path.Combine(archiveDirectory, Path.GetFileName(path) + ".gz");
            using var source = File.OpenRead(path);
            using var destination = File.Create(target);
            using var gzip = new GZipStream(destination, CompressionLevel.Optimal);
            source.CopyTo(gzip);
        }
        catch (Exception e)
        {
            SelfLog.WriteLine("Could not archive log file {0}: {1}", path, e);
        }
    }
}
