using System.IO.Compression;
using CertConnector.Adapters.Logging;

namespace CertConnector.Adapters.Tests.Logging;

/// <summary>
/// What the archive may touch after start: only files the sink has closed. The sink creates its next file before it reports
/// it opened (<see cref="Serilog.Sinks.File.FileLifecycleHooks.OnFileOpened(string, Stream, System.Text.Encoding)"/>), so
/// "every file but the current one" once archived (and deleted) a file being written, and its events were lost (1 run in
/// about 10 of the rolling test in <see cref="JsonLinesEventLogTests"/>).
/// </summary>
public sealed class CompressOnRollHooksTests : IDisposable
{
    private readonly string _dir = Path.Combine(Path.GetTempPath(), "roll-hooks-tests-" + Guid.NewGuid().ToString("N"));
    private string Archive => Path.Combine(_dir, "archive");

    public CompressOnRollHooksTests() => Directory.CreateDirectory(_dir);

    public void Dispose() => Directory.Delete(_dir, recursive: true);

    private string Write(string name, string text)
    {
        var path = Path.Combine(_dir, name);
        File.WriteAllText(path, text);
        return path;
    }

    private static string Unzip(string path)
    {
        using var gzip = new GZipStream(File.OpenRead(path), CompressionMode.Decompress);
        return new StreamReader(gzip).ReadToEnd();
    }

    [Fact]
    public void A_roll_archives_the_file_just_closed_and_never_one_the_sink_is_creating()
    {
        var hooks = new CompressOnRollHooks("operational", Archive, retained: 10);
        var first = Write("operational-20261207.jsonl", "first\n");
        hooks.OnFileOpened(first, Stream.Null, System.Text.Encoding.UTF8);
        var second = Write("operational-20261207_001.jsonl", "second\n");
        var creating = Write("operational-20261207_002.jsonl", "being written\n"); // created; the sink has not reported it yet
        hooks.OnFileOpened(second, Stream.Null, System.Text.Encoding.UTF8);
        hooks.Wait();

        Assert.Equal("first\n", Unzip(Path.Combine(Archive, "operational-20261207.jsonl.gz")));
        Assert.False(File.Exists(first));
        Assert.True(File.Exists(second), "the file being written was archived");
        Assert.True(File.Exists(creating), "a file the sink was creating was archived");
        Assert.Single(Directory.GetFiles(Archive));
    }

    [Fact]
    public void A_file_left_from_a_previous_run_that_the_sink_does_not_continue_is_archived_when_it_opens_another()
    {
        var older = Write("operational-20261201.jsonl", "older\n");
        var newest = Write("operational-20261205.jsonl", "newest\n");
        var hooks = new CompressOnRollHooks("operational", Archive, retained: 10);
        hooks.CompressLeftOver(_dir);
        Assert.False(File.Exists(older));
        Assert.True(File.Exists(newest), "the newest is kept at start: the sink may continue it");

        var today = Write("operational-20261207.jsonl", "today\n");
        hooks.OnFileOpened(today, Stream.Null, System.Text.Encoding.UTF8);
        hooks.Wait();

        Assert.Equal("newest\n", Unzip(Path.Combine(Archive, "operational-20261205.jsonl.gz")));
        Assert.True(File.Exists(today));
    }

    [Fact]
    public void A_left_over_file_the_sink_continues_stays_until_it_rolls()
    {
        var newest = Write("operational-20261207.jsonl", "continued\n");
        var hooks = new CompressOnRollHooks("operational", Archive, retained: 10);
        hooks.CompressLeftOver(_dir);
        hooks.OnFileOpened(newest, Stream.Null, System.Text.Encoding.UTF8);
        hooks.Wait();
        Assert.True(File.Exists(newest));

        var next = Write("operational-20261207_001.jsonl", "next\n");
        hooks.OnFileOpened(next, Stream.Null, System.Text.Encoding.UTF8);
        hooks.Wait();
        Assert.False(File.Exists(newest));
        Assert.Equal("continued\n", Unzip(Path.Combine(Archive, "operational-20261207.jsonl.gz")));
    }
}
