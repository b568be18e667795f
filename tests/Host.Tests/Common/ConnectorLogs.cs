using System.Text.Json;

namespace CertConnector.Host.Tests.Common;

/// <summary>The connector's JSON-lines event logs (data/logs/*.jsonl), read while it runs.</summary>
public static class ConnectorLogs
{
    /// <summary>Every logged event whose eventId is <paramref name="eventId"/> and whose line contains <paramref name="text"/>.</summary>
    public static IReadOnlyList<JsonElement> Events(string dataDir, int eventId, string? text = null)
    {
        var found = new List<JsonElement>();
        foreach (var file in DataDirSecretScan.Logs(dataDir).Where(f => f.EndsWith(".jsonl", StringComparison.Ordinal)))
        {
            using var stream = new FileStream(file, FileMode.Open, FileAccess.Read, FileShare.ReadWrite | FileShare.Delete);
            using var reader = new StreamReader(stream);
            while (reader.ReadLine() is { } line)
            {
                if (text is not null && !line.Contains(text, StringComparison.Ordinal)) continue;
                JsonElement e;
                try { e = JsonDocument.Parse(line).RootElement.Clone(); }
                catch (JsonException) { continue; } // a line being written right now
                if (e.TryGetProperty("eventId", out var id) && id.ToString() == eventId.ToString()) found.Add(e);
            }
        }
        return found;
    }
}
