using System.Text;

namespace CertConnector.Adapters.Tests.Service;

/// <summary>Finds secrets in files as bytes: ASCII/UTF-8 and UTF-16 in both byte orders (BMPString is big-endian).</summary>
public static class SecretScan
{
    /// <returns>"file: secret (encoding)" for every secret found; empty when none is.</returns>
    public static IReadOnlyList<string> Find(IEnumerable<string> files, IEnumerable<string> secrets)
    {
        var found = new List<string>();
        var encodings = new[] { Encoding.UTF8, Encoding.Unicode, Encoding.BigEndianUnicode };
        foreach (var file in files.Where(File.Exists))
        {
            var bytes = ReadShared(file);
            foreach (var secret in secrets)
            foreach (var encoding in encodings)
                if (bytes.AsSpan().IndexOf(encoding.GetBytes(secret)) >= 0) found.Add($"{Path.GetFileName(file)}: {secret} ({encoding.WebName})");
        }
        return found;
    }

    // The database may be open (and its WAL being written) while the test reads it.
    private static byte[] ReadShared(string file)
    {
        using var stream = new FileStream(file, FileMode.Open, FileAccess.Read, FileShare.ReadWrite | FileShare.Delete);
        using var copy = new MemoryStream();
        stream.CopyTo(copy);
        return copy.ToArray();
    }
}
