namespace CertConnector.Host.Configuration;

/// <summary>
/// A JSON settings file named by <c>--settings</c> (<c>Connector:SettingsFile</c>), e.g. the Debian package's
/// <c>/etc/certconnector/certconnector.json</c>: under the environment and the command line, above appsettings.json
/// in the working directory. A file that is named but missing, unreadable or not JSON stops the start, so an
/// operator's edit is never silently ignored.
/// </summary>
public static class SettingsFile
{
    public const string Setting = "Connector:SettingsFile";
    public const string Switch = "--settings";
    private const string Fix = "Fix the file or set --settings (Connector:SettingsFile).";

    /// <summary>The file the environment or the command line names, if any.</summary>
    /// <param name="overrides">the command line's settings (<see cref="ServerArguments.Parse"/>).</param>
    public static string? PathFrom(IReadOnlyDictionary<string, string?> overrides, string environmentPrefix)
    {
        var named = new ConfigurationBuilder().AddEnvironmentVariables(environmentPrefix).AddInMemoryCollection(overrides).Build()[Setting];
        return string.IsNullOrWhiteSpace(named) ? null : Path.GetFullPath(named);
    }

    /// <summary>Adds the file to <paramref name="configuration"/> (call before the sources that must win over it).</summary>
    public static void Add(IConfigurationBuilder configuration, string path)
    {
        if (Directory.Exists(path)) throw new StartupException($"The settings file {path} is a directory. {Fix}");
        if (!File.Exists(path)) throw new StartupException($"The settings file {path} does not exist. {Fix}");
        try
        {
            // Read once at start: a half-written file must not change a running connector's settings.
            configuration.AddJsonFile(path, optional: false, reloadOnChange: false);
            // ConfigurationManager loads a source as it is added; a plain builder only when built. Build now either way.
            if (configuration is not IConfiguration) _ = configuration.Build();
        }
        catch (UnauthorizedAccessException e)
        {
            throw new StartupException($"The settings file {path} cannot be read by this user ({Environment.UserName}): {e.Message} {Fix}");
        }
        catch (Exception e) when (e is InvalidDataException or FormatException or System.Text.Json.JsonException)
        {
            // Never echo the content: the file may hold a connection string or a client secret.
            var innermost = e;
            while (innermost.InnerException is { } inner) innermost = inner;
            var reason = innermost.Message.Split('\n')[0].TrimEnd('.');
            throw new StartupException($"The settings file {path} is not valid JSON ({reason}). {Fix}");
        }
    }

    /// <summary>Others may read the file: a warning to log once the connector runs (the file may hold secrets), or null.</summary>
    public static string? ReadableByOthersWarning(string path)
    {
        if (OperatingSystem.IsWindows()) return null;
        var mode = File.GetUnixFileMode(path);
        return (mode & UnixFileMode.OtherRead) == 0 ? null
            : $"The settings file {path} is readable by every user of this machine (mode {Convert.ToString((int)mode, 8)}): it may hold secrets. chmod o-r it (the Debian package installs it 0640 root:certconnector).";
    }
}
