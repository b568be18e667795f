namespace CertConnector.Adapters.Service.Standalone;

/// <summary>Settings of the standalone control plane (the request queues in the connector's own SQLite file).</summary>
public sealed class StandaloneOptions
{
    public const string DatabaseFileName = "standalone.db";

    /// <summary>Full path of the SQLite file; its directory is created if missing. Ignored when <see cref="Database"/> is set.</summary>
    public string DatabasePath { get; init; } = "";

    /// <summary>A database opened by the host (a cluster's shared PostgreSQL database); null: the SQLite file at <see cref="DatabasePath"/>.</summary>
    public StandaloneDatabase? Database { get; init; }

    /// <summary>
    /// How long a downloaded request is hidden from other downloads while one instance works on it.
    /// After that it is handed out again; the actors dedupe by request ID, so a redelivery is harmless.
    /// </summary>
    public TimeSpan LeaseDuration { get; init; } = TimeSpan.FromMinutes(5);

    /// <summary>
    /// Who holds a lease: this instance's stable identity (one per data directory). At start the instance
    /// takes back the leases it held before a crash at once, instead of waiting for them to run out.
    /// </summary>
    public string InstanceId { get; init; } = "standalone";

    /// <summary>How long a call waits for a lock held by another connection before it fails as transient.</summary>
    public TimeSpan BusyTimeout { get; init; } = TimeSpan.FromSeconds(5);

    public static StandaloneOptions ForDataDirectory(string dataDirectory) =>
        new() { DatabasePath = Path.Combine(dataDirectory, DatabaseFileName) };
}

/// <summary>This instance's identity as the holder of standalone queue leases (one per data directory).</summary>
public sealed record StandaloneInstance(string Id);
