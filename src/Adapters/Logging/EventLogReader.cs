using System.Globalization;
using System.IO.Compression;
using System.Text;
using System.Text.Json;

namespace CertConnector.Adapters.Logging;

/// <summary>What to read: a channel (null: both), an event ID, a request ID, events since a moment, at most <see cref="Limit"/>.</summary>
/// <param name="After">a <see cref="EventLogPage.Cursor"/>: only what was written after the page that returned it (follow mode).</param>
public sealed record EventLogQuery(string? Channel, int? EventId, string? RequestId, DateTimeOffset? Since, int Limit, string? After = null);

/// <summary>The newest matching events, oldest first, and where the next read should start.</summary>
/// <param name="Truncated">the read stopped at <see cref="EventLogReader.MaxBytesScanned"/>: narrow the query (a later <c>since</c>).</param>
public sealed record EventLogPage(IReadOnlyList<JsonElement> Events, string Cursor, bool Truncated);

/// <summary>
/// Reads this instance's Admin and Operational logs back (<c>certconnector logs</c>): the live files and the gzipped archive,
/// oldest first. Bounded for an API anyone with the admin token can call: files older than the query's day are skipped by
/// their name, at most <see cref="MaxBytesScanned"/> of text is read per query, and a line is parsed only when a cheap text
/// test says it may match.
/// </summary>
public sealed class EventLogReader(string directory)
{
    public const int MaxLimit = 1000;
    public const long MaxBytesScanned = 256L * 1024 * 1024;
    public static readonly IReadOnlyList<string> Channels = ["admin", "operational"];

    public EventLogPage Read(EventLogQuery query)
    {
        var channels = query.Channel is null ? Channels : [query.Channel.ToLowerInvariant()];
        var after = ParseCursor(query.After);
        var newest = new Queue<(DateTimeOffset At, JsonElement Event)>();
        var cursor = new Dictionary<string, (string File, long Offset)>(after);
        long scanned = 0;
        var truncated = false;
        foreach (var channel in channels)
        {
            foreach (var file in Files(channel, query.Since, after.GetValueOrDefault(channel).File))
            {
                var start = after.TryGetValue(channel, out var from) && from.File == Path.GetFileName(file) ? from.Offset : 0;
                var end = ReadFile(file, start, query, newest, ref scanned);
                if (!file.EndsWith(".gz", StringComparison.Ordinal)) cursor[channel] = (Path.GetFileName(file), end);
                if (scanned > MaxBytesScanned)
                {
                    truncated = true;
                    break;
                }
            }
        }
        var events = newest.OrderBy(e => e.At).Select(e => e.Event).ToList();
        return new EventLogPage(events.Skip(Math.Max(0, events.Count - query.Limit)).ToList(), FormatCursor(cursor), truncated);
    }

    /// <summary>Archived then live files of a channel, in the order they were written; with a cursor, its file and those after it.</summary>
    private IEnumerable<string> Files(string channel, DateTimeOffset? since, string? cursorFile)
    {
        var archive = Path.Combine(directory, "archive");
        var archived = Directory.Exists(archive) ? Directory.GetFiles(archive, channel + "-*.jsonl.gz") : [];
        var live = Directory.Exists(directory) ? Directory.GetFiles(directory, channel + "-*.jsonl") : [];
        var ordered = archived.Order(StringComparer.Ordinal).Concat(live.Order(StringComparer.Ordinal));
        if (cursorFile is not null)
        {
            // Following: the cursor's live file from its offset, and every live file after it (a roll in between starts a new one;
            // the rolled file's tail after the offset is read from its archive copy).
            var rolled = Path.Combine(archive, cursorFile + ".gz");
            var after = live.Where(f => string.CompareOrdinal(Path.GetFileName(f), cursorFile) >= 0).Order(StringComparer.Ordinal);
            return File.Exists(Path.Combine(directory, cursorFile)) ? after : (File.Exists(rolled) ? [rolled, .. after] : after);
        }
        if (since is not { } s) return ordered;
        var firstDay = s.UtcDateTime.AddDays(-1).ToString("yyyyMMdd", CultureInfo.InvariantCulture); // file dates are the writer's local day
        return ordered.Where(f => string.CompareOrdinal(DayOf(f, channel), firstDay) >= 0);
    }

    private static string DayOf(string file, string channel) => Path.GetFileName(file)[(channel.Length + 1)..].PadRight(8)[..8];

    private static long ReadFile(string file, long start, EventLogQuery query, Queue<(DateTimeOffset, JsonElement)> newest, ref long scanned)
    {
        using var raw = new FileStream(file, FileMode.Open, FileAccess.Read, FileShare.ReadWrite | FileShare.Delete);
        using var stream = file.EndsWith(".gz", StringComparison.Ordinal) ? new GZipStream(raw, CompressionMode.Decompress) : (Stream)raw;
        if (start > 0) Skip(stream, start, ref scanned);
        using var reader = new StreamReader(stream, new UTF8Encoding(false), detectEncodingFromByteOrderMarks: false, bufferSize: 64 * 1024);
        var position = start;
        var idText = query.EventId is { } id ? $"\"eventId\":{id}," : null;
        var requestText = query.RequestId is { } r ? JsonSerializer.Serialize(r) : null;
        while (reader.ReadLine() is { } line)
        {
            var bytes = Encoding.UTF8.GetByteCount(line) + 1;
            // A line without its newline is still being written (or was cut by a crash): stop before it; the next read takes it whole.
            if (stream == raw && position + bytes > raw.Length) break;
            position += bytes;
            scanned += bytes;
            if (scanned > MaxBytesScanned) break;
            if (line.Length == 0 || (idText is not null && !line.Contains(idText, StringComparison.Ordinal))
                || (requestText is not null && !line.Contains(requestText, StringComparison.Ordinal)))
                continue;
            if (Parse(line) is not { } e) continue;
            if (!Matches(e.Event, query)) continue;
            if (query.Since is { } since && e.At < since) continue;
            newest.Enqueue(e);
            if (newest.Count > query.Limit) newest.Dequeue();
        }
        return position;
    }

    /// <summary>To the offset: a seek in a live file; in an archive, decompressing up to it (counted against the bound).</summary>
    private static void Skip(Stream stream, long count, ref long scanned)
    {
        if (stream.CanSeek)
        {
            stream.Seek(count, SeekOrigin.Begin);
            return;
        }
        var buffer = new byte[81920];
        while (count > 0 && stream.Read(buffer, 0, (int)Math.Min(buffer.Length, count)) is > 0 and var read)
        {
            count -= read;
            scanned += read;
        }
    }

    private static (DateTimeOffset At, JsonElement Event)? Parse(string line)
    {
        try
        {
            using var document = JsonDocument.Parse(line);
            var root = document.RootElement;
            return root.TryGetProperty("timestamp", out var t) && t.TryGetDateTimeOffset(out var at) ? (at, root.Clone()) : null;
        }
        catch (JsonException)
        {
            return null; // a line cut by a crash: not an event
        }
    }

    private static bool Matches(JsonElement e, EventLogQuery query) =>
        (query.EventId is not { } id || (e.TryGetProperty("eventId", out var i) && i.TryGetInt32(out var n) && n == id))
        && (query.RequestId is not { } r || (e.TryGetProperty("requestId", out var q) && q.ValueKind == JsonValueKind.String && q.GetString() == r));

    private static string FormatCursor(Dictionary<string, (string File, long Offset)> cursor) =>
        string.Join('|', cursor.OrderBy(c => c.Key, StringComparer.Ordinal).Select(c => $"{c.Key}:{c.Value.File}:{c.Value.Offset}"));

    /// <summary>Parses a cursor this reader made; anything else is refused (it names files to open).</summary>
    private static Dictionary<string, (string File, long Offset)> ParseCursor(string? text)
    {
        var cursor = new Dictionary<string, (string, long)>();
        if (string.IsNullOrEmpty(text)) return cursor;
        foreach (var part in text.Split('|'))
        {
            var fields = part.Split(':');
            if (fields.Length != 3 || !Channels.Contains(fields[0]) || !IsLogFileName(fields[0], fields[1])
                || !long.TryParse(fields[2], NumberStyles.None, CultureInfo.InvariantCulture, out var offset))
                throw new FormatException($"'{text}' is not a cursor returned by this API.");
            cursor[fields[0]] = (fields[1], offset);
        }
        return cursor;
    }

    /// <summary>channel-yyyyMMdd[_NNN].jsonl and nothing else: no path, no other file.</summary>
    private static bool IsLogFileName(string channel, string name) =>
        name.StartsWith(channel + "-", StringComparison.Ordinal) && name.EndsWith(".jsonl", StringComparison.Ordinal)
        && name[(channel.Length + 1)..^6].All(c => char.IsAsciiDigit(c) || c == '_') && name.Length < 64;
}
