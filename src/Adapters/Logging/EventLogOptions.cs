namespace CertConnector.Adapters.Logging;

/// <summary>Where and how <see cref="JsonLinesEventLog"/> writes the Admin and Operational channels.</summary>
public sealed class EventLogOptions
{
    /// <summary>The logs directory itself (normally <c>&lt;dataDir&gt;/logs</c>, see <see cref="ForDataDirectory"/>).</summary>
    public string Directory { get; set; } = "logs";

    /// <summary>Names this connector instance in every event, so merged logs of many instances stay readable.</summary>
    public string Instance { get; set; } = Environment.MachineName;

    /// <summary>Writes Debug-level events of the Admin channel; off by default.</summary>
    public bool AdminDebug { get; set; }

    /// <summary>Writes Debug-level events of the Operational channel; off by default.</summary>
    public bool OperationalDebug { get; set; }

    /// <summary>Also writes a one-line human-readable form of each event to the console.</summary>
    public bool Console { get; set; } = true;

    /// <summary>A file rolls to a new one at this size (and at midnight UTC).</summary>
    public long FileSizeLimitBytes { get; set; } = 50L * 1024 * 1024;

    /// <summary>Rolled files, gzipped into <c>&lt;Directory&gt;/archive</c> as they roll, kept per channel; older ones are deleted.</summary>
    public int RetainedFileCountLimit { get; set; } = 31;

    public static EventLogOptions ForDataDirectory(string dataDirectory) =>
        new() { Directory = Path.Combine(dataDirectory, "logs") };
}
