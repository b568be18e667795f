using System.Text;

namespace CertConnector.Host.Tests.Common;

/// <summary>
/// Looks for secrets (minted challenges, passwords) in a data directory's files, as raw bytes: ASCII/UTF-8 and
/// UTF-16 in both byte orders (a BMPString challengePassword is UTF-16BE), each also as it looks inside base64
/// (the JSON form of a byte array, as the journal writes a CSR). Each store has its own file list.
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
        foreach (var file in files.Where(File.Exists))
        {
            var bytes = ReadShared(file);
            foreach (var secret in secrets)
            foreach (var (form, needle) in Encodings(secret))
                if (bytes.AsSpan().IndexOf(needle) >= 0) hits.Add($"{file}: {secret} ({form})");
        }
        return hits;
    }

    /// <summary>The secret as raw text (UTF-8, UTF-16 either way round) and as it looks inside base64 at each of
    /// the three alignments a substring can have.</summary>
    public static IEnumerable<(string Form, byte[] Bytes)> Encodings(string secret)
    {
        foreach (var encoding in new[] { Encoding.UTF8, Encoding.Unicode, Encoding.BigEndianUnicode })
        {
            var raw = encoding.GetBytes(secret);
            yield return (encoding.WebName, raw);
            for (var offset = 0; offset < 3; offset++)
            {
                var base64 = Convert.ToBase64String([.. new byte[offset], .. raw]);
                var first = (offset * 8 + 5) / 6; // characters that still hold bits of the preceding bytes
                var last = (offset + raw.Length) / 3 * 4; // characters that hold bits of the following bytes start here
                yield return ($"{encoding.WebName} in base64 at offset {offset}", Encoding.ASCII.GetBytes(base64[first..last]));
            }
        }
    }

    /// <summary>
    /// The same search over every cell of every table in a PostgreSQL database (the shared stores and journal of a
    /// cluster): text as UTF-8, bytea as stored, anything else as its text form. "table.column: secret (encoding)".
    /// </summary>
    public static IReadOnlyList<string> FindInPostgres(string connectionString, IReadOnlyCollection<string> secrets)
    {
        using var connection = new Npgsql.NpgsqlConnection(connectionString);
        connection.Open();
        var columns = new List<(string Table, string Column, string Type)>();
        using (var list = new Npgsql.NpgsqlCommand(
            "SELECT table_name, column_name, data_type FROM information_schema.columns WHERE table_schema NOT IN ('pg_catalog', 'information_schema')", connection))
        using (var reader = list.ExecuteReader())
        {
            while (reader.Read()) columns.Add((reader.GetString(0), reader.GetString(1), reader.GetString(2)));
        }
        var hits = new List<string>();
        foreach (var (table, column, type) in columns)
        {
            var select = type == "bytea" ? $"SELECT \"{column}\" FROM \"{table}\"" : $"SELECT \"{column}\"::text FROM \"{table}\"";
            using var command = new Npgsql.NpgsqlCommand(select, connection);
            using var reader = command.ExecuteReader();
            using var all = new MemoryStream();
            while (reader.Read())
            {
                if (reader.IsDBNull(0)) continue;
                var cell = type == "bytea" ? (byte[])reader.GetValue(0) : Encoding.UTF8.GetBytes(reader.GetString(0));
                all.Write(cell);
                all.WriteByte(0);
            }
            var bytes = all.ToArray();
            foreach (var secret in secrets)
            foreach (var (form, needle) in Encodings(secret))
                if (bytes.AsSpan().IndexOf(needle) >= 0) hits.Add($"{table}.{column}: {secret} ({form})");
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
