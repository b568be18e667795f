using System.IO.Compression;
using System.Text.Json;
using CertConnector.Actors.Logging;
using CertConnector.Adapters.Logging;
using CertConnector.Adapters.Tests.Service;
using Serilog.Events;
using Serilog.Parsing;

namespace CertConnector.Adapters.Tests.Logging;

public sealed class JsonLinesEventLogTests : IDisposable
{
    private readonly string _dir = Path.Combine(Path.GetTempPath(), "eventlog-tests-" + Guid.NewGuid().ToString("N"));
    private readonly ManualTimeProvider _clock = new(new DateTimeOffset(2025, 3, 1, 12, 30, 15, TimeSpan.FromHours(2)));

    private EventLogOptions Options(bool adminDebug = false, bool operationalDebug = false) => new()
    {
        Directory = _dir, Instance = "node-a", AdminDebug = adminDebug, OperationalDebug = operationalDebug, Console = false,
    };

    private List<JsonElement> Read(string channel) =>
        Directory.GetFiles(_dir, channel + "-*.jsonl")
            .OrderBy(f => f)
            .SelectMany(File.ReadAllLines)
            .Where(line => line.Length > 0)
            .Select(line => JsonDocument.Parse(line).RootElement.Clone())
            .ToList();

    [Fact]
    public void Events_are_routed_by_channel_with_every_field()
    {
        using (var log = new JsonLinesEventLog(Options(), _clock))
        {
            log.Write(new ConnectorEvent(ConnectorEvents.PkcsRequestSuccess, "Certificate issued and uploaded", "req-1",
                new Dictionary<string, object?> { ["serialNumber"] = "0A0B", ["attempt"] = 2 }, "crid-1"));
            log.Write(ConnectorEvents.PkcsDownloadSuccess, null, "Downloaded {count} requests", ("count", 3));
            log.Write(ConnectorEvents.HealthMessageUploadFailure, null, "gave up");
        }

        var admin = Assert.Single(Read("admin"));
        Assert.Equal("2025-03-01T10:30:15.0000000Z", admin.GetProperty("timestamp").GetString());
        Assert.Equal("Information", admin.GetProperty("level").GetString());
        Assert.Equal(1000, admin.GetProperty("eventId").GetInt32());
        Assert.Equal("PkcsRequestSuccess", admin.GetProperty("eventName").GetString());
        Assert.Equal("Admin", admin.GetProperty("channel").GetString());
        Assert.Equal("Pkcs", admin.GetProperty("taskCategory").GetString());
        Assert.Equal("Certificate issued and uploaded", admin.GetProperty("message").GetString());
        Assert.Equal("req-1", admin.GetProperty("requestId").GetString());
        Assert.Equal("crid-1", admin.GetProperty("clientRequestId").GetString());
        Assert.Equal("node-a", admin.GetProperty("instance").GetString());
        Assert.Equal("0A0B", admin.GetProperty("serialNumber").GetString());
        Assert.Equal(2, admin.GetProperty("attempt").GetInt32());

        var operational = Read("operational");
        Assert.Equal([1002, 5002], operational.Select(e => e.GetProperty("eventId").GetInt32()));
        Assert.All(operational, e => Assert.Equal("Operational", e.GetProperty("channel").GetString()));
        Assert.Equal("Downloaded {count} requests", operational[0].GetProperty("message").GetString());
        Assert.Equal(JsonValueKind.Null, operational[0].GetProperty("requestId").ValueKind);
        Assert.Equal(JsonValueKind.Null, operational[0].GetProperty("clientRequestId").ValueKind);
        Assert.Equal("Health", operational[1].GetProperty("taskCategory").GetString());
        Assert.Equal("Error", operational[1].GetProperty("level").GetString());
    }

    [Fact]
    public void Debug_events_are_written_only_when_their_channel_switch_is_on()
    {
        var adminDebug = ConnectorEvents.PkcsRequestSuccess with { Level = EventLevel.Debug };
        var operationalDebug = ConnectorEvents.PkcsIssuedSuccess with { Level = EventLevel.Debug };
        using (var log = new JsonLinesEventLog(Options(adminDebug: true, operationalDebug: false), _clock))
        {
            log.Write(adminDebug, "r", "admin detail");
            log.Write(operationalDebug, "r", "operational detail");
            log.Write(ConnectorEvents.PkcsIssuedSuccess, "r", "issued");
        }

        var admin = Assert.Single(Read("admin"));
        Assert.Equal("Debug", admin.GetProperty("level").GetString());
        Assert.Equal("issued", Assert.Single(Read("operational")).GetProperty("message").GetString());
    }

    [Fact]
    public void Debug_switches_are_off_by_default()
    {
        Assert.False(new EventLogOptions().AdminDebug);
        Assert.False(new EventLogOptions().OperationalDebug);
        using (var log = new JsonLinesEventLog(Options(), _clock))
            log.Write(ConnectorEvents.PkcsRequestSuccess with { Level = EventLevel.Debug }, "r", "hidden");
        Assert.Empty(Read("admin"));
    }

    [Fact]
    public void Secret_properties_never_reach_the_file()
    {
        using (var log = new JsonLinesEventLog(Options(), _clock))
        {
            log.Write(ConnectorEvents.PkcsIssuedSuccess, "r", "issued",
                ("pfxPassword", "hunter2"), ("PrivateKey", "MIIEvQ-key"), ("client_secret", "s3cr3t"),
                ("accessToken", "eyJ-token"), ("private-key-pem", "-----BEGIN"), ("thumbprint", "AB12"),
                ("details", new Dictionary<string, object?> { ["password"] = "nested-pw", ["keySize"] = 2048 }));
        }

        var text = string.Join('\n', Directory.GetFiles(_dir, "*.jsonl").Select(File.ReadAllText));
        foreach (var secret in new[] { "hunter2", "MIIEvQ", "s3cr3t", "eyJ-token", "-----BEGIN", "nested-pw" })
            Assert.DoesNotContain(secret, text);

        var e = Assert.Single(Read("operational"));
        Assert.Equal(SecretScrubber.Redacted, e.GetProperty("pfxPassword").GetString());
        Assert.Equal(SecretScrubber.Redacted, e.GetProperty("PrivateKey").GetString());
        Assert.Equal(SecretScrubber.Redacted, e.GetProperty("client_secret").GetString());
        Assert.Equal(SecretScrubber.Redacted, e.GetProperty("accessToken").GetString());
        Assert.Equal(SecretScrubber.Redacted, e.GetProperty("private-key-pem").GetString());
        Assert.Equal("AB12", e.GetProperty("thumbprint").GetString());
        Assert.Equal(2048, e.GetProperty("details").GetProperty("keySize").GetInt32());
    }

    [Theory]
    [InlineData("password", true)]
    [InlineData("PASSWORD_HASH", true)]
    [InlineData("privateKey", true)]
    [InlineData("private_key", true)]
    [InlineData("SharedSecret", true)]
    [InlineData("bearerToken", true)]
    [InlineData("requestId", false)]
    [InlineData("serialNumber", false)]
    [InlineData("keySize", false)]
    public void Scrubber_recognizes_secret_keys(string key, bool secret) =>
        Assert.Equal(secret, SecretScrubber.IsSecretKey(key));

    [Fact]
    public void Extra_property_cannot_overwrite_a_fixed_field()
    {
        using (var log = new JsonLinesEventLog(Options(), _clock))
            log.Write(ConnectorEvents.PkcsRequestFailure, "real", "failed", ("requestId", "fake"), ("eventId", 1));

        var e = Assert.Single(Read("admin"));
        Assert.Equal("real", e.GetProperty("requestId").GetString());
        Assert.Equal(1001, e.GetProperty("eventId").GetInt32());
        Assert.Equal("fake", e.GetProperty("_requestId").GetString());
    }

    [Fact]
    public void Write_never_throws_even_after_dispose()
    {
        var log = new JsonLinesEventLog(Options(), _clock);
        log.Write(new ConnectorEvent(ConnectorEvents.PkcsRequestSuccess, null!));
        log.Write(null!);
        log.Write(ConnectorEvents.PkcsRequestSuccess, "r", "bad property", ("", 1), ("odd", new ThrowingToString()));
        log.Dispose();
        log.Write(ConnectorEvents.PkcsRequestSuccess, "r", "after dispose");
        log.Dispose();

        Assert.DoesNotContain(Read("admin"), e => e.GetProperty("message").GetString() == "after dispose");
    }

    [Fact]
    public void Console_can_be_on_alongside_the_files()
    {
        var options = Options();
        options.Console = true;
        using (var log = new JsonLinesEventLog(options, _clock))
            log.Write(ConnectorEvents.PkcsRequestSuccess, "req-c", "to console and file");
        Assert.Equal("req-c", Assert.Single(Read("admin")).GetProperty("requestId").GetString());
    }

    private static List<string?> ArchivedRequestIds(IEnumerable<string> archives) => archives.SelectMany(path =>
    {
        using var gzip = new GZipStream(File.OpenRead(path), CompressionMode.Decompress);
        return new StreamReader(gzip).ReadToEnd().Split('\n', StringSplitOptions.RemoveEmptyEntries)
            .Select(line => JsonDocument.Parse(line).RootElement.GetProperty("requestId").GetString()).ToList();
    }).ToList();

    [Fact]
    public void A_file_rolled_at_the_size_limit_is_gzipped_into_the_archive_at_once_and_nothing_is_lost()
    {
        var options = Options();
        options.FileSizeLimitBytes = 2_000;
        using (var log = new JsonLinesEventLog(options, _clock))
            for (var i = 0; i < 100; i++)
                log.Write(ConnectorEvents.PkcsUploadedRequest, $"req-{i}", "uploaded one result");

        // Only the file being written stays plain text; every rolled one is in the archive, compressed.
        Assert.Single(Directory.GetFiles(_dir, "operational-*.jsonl"));
        var archived = Directory.GetFiles(Path.Combine(_dir, "archive"), "operational-*.jsonl.gz");
        Assert.True(archived.Length > 5, $"{archived.Length} archived files");
        Assert.Empty(Directory.GetFiles(Path.Combine(_dir, "archive"), "*.partial"));
        var liveIds = Read("operational").Select(e => e.GetProperty("requestId").GetString());
        Assert.Equal(Enumerable.Range(0, 100).Select(i => $"req-{i}").Order(), ArchivedRequestIds(archived).Concat(liveIds).Order());
    }

    [Fact]
    public void The_archive_keeps_the_newest_files_the_setting_allows_and_a_file_left_from_a_previous_run_is_compressed_at_start()
    {
        Directory.CreateDirectory(_dir);
        File.WriteAllText(Path.Combine(_dir, "admin-20250101.jsonl"), """{"requestId":"left-over"}""" + "\n");
        File.WriteAllText(Path.Combine(_dir, "admin-20250301.jsonl"), """{"requestId":"continued"}""" + "\n"); // the newest: the sink may continue it
        var options = Options();
        options.FileSizeLimitBytes = 2_000;
        options.RetainedFileCountLimit = 3;
        using (var log = new JsonLinesEventLog(options, _clock))
            for (var i = 0; i < 100; i++)
                log.Write(ConnectorEvents.PkcsUploadedRequest, $"req-{i}", "uploaded one result");

        var archived = Directory.GetFiles(Path.Combine(_dir, "archive"), "operational-*.jsonl.gz");
        Assert.Equal(3, archived.Length);
        Assert.Contains("req-99", Read("operational").Select(e => e.GetProperty("requestId").GetString()));
        Assert.Equal(["left-over"], ArchivedRequestIds([Path.Combine(_dir, "archive", "admin-20250101.jsonl.gz")]));
        Assert.False(File.Exists(Path.Combine(_dir, "admin-20250101.jsonl")));
        Assert.Equal(["continued"], Read("admin").Select(e => e.GetProperty("requestId").GetString()));
    }

    [Fact]
    public void Console_line_shows_id_name_channel_message_and_request()
    {
        var logEvent = new LogEvent(_clock.GetUtcNow(), LogEventLevel.Warning, null,
            new MessageTemplate([new TextToken("issuing failed; retrying")]),
            [
                new LogEventProperty("eventId", new ScalarValue(1051)),
                new LogEventProperty("eventName", new ScalarValue("PkcsIssuedFailedAttempt")),
                new LogEventProperty("channel", new ScalarValue("Operational")),
                new LogEventProperty("requestId", new ScalarValue("req-9")),
            ]);
        var output = new StringWriter();
        new ConsoleLineFormatter().Format(logEvent, output);

        var line = output.ToString();
        Assert.Contains("WRN 1051 PkcsIssuedFailedAttempt [Operational] issuing failed; retrying (request req-9)", line);
        Assert.Single(line.Split(Environment.NewLine, StringSplitOptions.RemoveEmptyEntries));
    }

    private sealed class ThrowingToString
    {
        public override string ToString() => throw new InvalidOperationException("boom");
    }

    public void Dispose()
    {
        try { Directory.Delete(_dir, recursive: true); } catch (IOException) { } catch (UnauthorizedAccessException) { }
    }
}
