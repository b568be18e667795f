using CertConnector.Host.Configuration;

namespace CertConnector.Host.Tests.Configuration;

/// <summary>--settings FILE (Connector:SettingsFile): the Debian package's /etc/certconnector/certconnector.json.</summary>
public sealed class SettingsFileTests : IDisposable
{
    private readonly string _dir = Tools.TempDir("settings-file");

    private string Write(string name, string json)
    {
        var path = Path.Combine(_dir, name);
        File.WriteAllText(path, json);
        return path;
    }

    [Fact]
    public void A_setting_in_the_file_is_used_and_the_command_line_wins_over_it()
    {
        var file = Write("a.json", """{ "Connector": { "AdminUrl": "not-a-url" } }""");
        var (exit, output, _) = ConnectorRun.RunToExit("settings", ["--settings", file]);
        Assert.Equal(1, exit);
        Assert.Contains("'not-a-url'", output);

        // The command line's admin URL replaces the file's: the start is refused for that one instead.
        (exit, output, _) = ConnectorRun.RunToExit("settings", ["--settings", file, "--admin-url", "http://0.0.0.0:5999"]);
        Assert.Equal(1, exit);
        Assert.DoesNotContain("not-a-url", output);
        Assert.Contains("http://0.0.0.0:5999", output);
    }

    [Fact]
    public void The_environment_can_name_the_file_and_wins_over_it()
    {
        var file = Write("b.json", """{ "Connector": { "AdminUrl": "not-a-url", "Scep": { "ListenUrl": "also-not-a-url" } } }""");
        var (exit, output, _) = ConnectorRun.RunToExit("settings", [], new Dictionary<string, string?>
        {
            ["CERTCONNECTOR_Connector__SettingsFile"] = file,
            ["CERTCONNECTOR_Connector__AdminUrl"] = "http://127.0.0.1:0",
        });
        Assert.Equal(1, exit);
        Assert.Contains("'also-not-a-url'", output);
    }

    [Fact]
    public void A_named_file_that_is_missing_stops_the_start()
    {
        var missing = Path.Combine(_dir, "missing.json");
        var (exit, output, _) = ConnectorRun.RunToExit("settings", ["--settings", missing]);
        Assert.Equal(1, exit);
        Assert.Equal($"certconnector: The settings file {missing} does not exist. Fix the file or set --settings (Connector:SettingsFile).", output);
    }

    [Fact]
    public void A_file_that_is_not_JSON_stops_the_start_without_echoing_its_content()
    {
        var file = Write("c.json", """{ "Connector": { "Service": { "ClientSecret": "s3cret-in-file" } """);
        var (exit, output, _) = ConnectorRun.RunToExit("settings", ["--settings", file]);
        Assert.Equal(1, exit);
        Assert.StartsWith($"certconnector: The settings file {file} is not valid JSON (", output);
        Assert.DoesNotContain("s3cret-in-file", output);
        Assert.DoesNotContain("   at ", output); // one line, no stack trace
    }

    [Fact]
    public void A_mistyped_setting_in_the_file_is_refused_with_the_nearest_name()
    {
        var file = Write("d.json", """{ "Connector": { "Scep": { "Enabeld": false } } }""");
        var (exit, output, _) = ConnectorRun.RunToExit("settings", ["--settings", file]);
        Assert.Equal(2, exit);
        Assert.Contains("Did you mean 'Connector:Scep:Enabled'?", output);
    }

    [Fact]
    public void A_file_others_may_read_is_warned_about_and_one_they_may_not_is_not()
    {
        var file = Write("e.json", "{}");
        File.SetUnixFileMode(file, UnixFileMode.UserRead | UnixFileMode.UserWrite | UnixFileMode.GroupRead);
        Assert.Null(SettingsFile.ReadableByOthersWarning(file));
        File.SetUnixFileMode(file, UnixFileMode.UserRead | UnixFileMode.UserWrite | UnixFileMode.GroupRead | UnixFileMode.OtherRead);
        Assert.Contains("readable by every user of this machine (mode 644)", SettingsFile.ReadableByOthersWarning(file));
    }

    public void Dispose()
    {
        try { Directory.Delete(_dir, true); } catch (IOException) { }
    }
}
