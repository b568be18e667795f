using System.Text;

namespace CertConnector.Host.Tests;

/// <summary>
/// Looks for secrets (minted challenges, passwords) in a data directory's files, as raw bytes: ASCII/UTF-8 and
/// UTF-16 in both byte orders (a BMPString challengePassword is UTF-16BE). Each store has its own file list, so
/// a test can scan the stores that must be clean and name the ones still being worked on.
/// </summary>
public static class DataDirSecretScan
{
    /// <summary>standalone.db with its WAL and shared-memory files.</summary>
    public static IEnumerable<string> StandaloneDatabase(string dataDir) => WithSqliteSidecars(Path.Combine(dataDir, "standalone.db"));

    /// <summary>The Akka journal and snapshots (connector.db) with its WAL.</summary>
    public static IEnumerable<string> Journal(string dataDir) => WithSqliteSidecars(Path.Combine(dataDir, "connector.db"));

    /// <summary>Every file under data/logs (admin, operational, archived).</summary>
    public static IEnumerable<string> Logs(string dataDir) =>
        Directory.Exists(Path.Combine(dataDir, "logs")) ? Directory.GetFiles(Path.Combine(dataDir, "logs"), "*", SearchOption.AllDirectories) : [];

    /// <returns>"file: secret (encoding)" for each hit; empty when no secret is found.</returns>
    public static IReadOnlyList<string> Find(IEnumerable<string> files, IReadOnlyCollection<string> secrets)
    {
        var hits = new List<string>();
        Encoding[] encodings = [Encoding.UTF8, Encoding.Unicode, Encoding.BigEndianUnicode];
        foreach (var file in files.Where(File.Exists))
        {
            var bytes = ReadShared(file);
            foreach (var secret in secrets)
            foreach (var encoding in encodings)
                if (bytes.AsSpan().IndexOf(encoding.GetBytes(secret)) >= 0) hits.Add($"{file}: {secret} ({encoding.WebName})");
        }
        return hits;
    }

    private static IEnumerable<string> WithSqliteSidecars(string database) => [database, database + "-wal", database + "-shm", database + "-journal"];

    // The connector may be running and writing the file.
    private static byte[] ReadShared(string file)
    {
        using var stream = new FileStream(file, FileMode.Open, FileAccess.Read, FileShare.ReadWrite | FileShare.Delete);
        using var copy = new MemoryStream();
        stream.CopyTo(copy);
        return copy.ToArray();
    }
}
