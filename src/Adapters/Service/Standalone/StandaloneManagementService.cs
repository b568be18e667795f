using CertConnector.Actors.Ports;

namespace CertConnector.Adapters.Service.Standalone;

/// <summary>
/// The management service in standalone mode: the connector is its own control plane. The actors download
/// and upload through <see cref="IManagementService"/>; the admin HTTP API enqueues and reads back through
/// the public admin methods. One partial file per feature (PKCS now; revocation, import and SCEP later).
/// Storage failures surface as <c>ConnectorFailureException.Transient("StandaloneStoreUnavailable")</c>.
/// </summary>
public sealed partial class StandaloneManagementService : IManagementService, IDisposable
{
    private readonly StandaloneDatabase _database;
    private readonly TimeProvider _time;
    private readonly TimeSpan _leaseDuration;

    public StandaloneManagementService(StandaloneOptions options, TimeProvider? timeProvider = null)
    {
        ArgumentNullException.ThrowIfNull(options);
        if (options.LeaseDuration <= TimeSpan.Zero)
            throw new ArgumentOutOfRangeException(nameof(options), "LeaseDuration must be positive.");
        _database = new StandaloneDatabase(options.DatabasePath, options.BusyTimeout);
        _time = timeProvider ?? TimeProvider.System;
        _leaseDuration = options.LeaseDuration;
    }

    public string DatabasePath => _database.Path;

    /// <summary>The standalone database, shared with the other features' standalone stores (SCEP challenges, notifications).</summary>
    public StandaloneDatabase Database => _database;

    /// <summary>Creates the database file and schema now (otherwise done on first use).</summary>
    public Task InitializeAsync(CancellationToken cancellationToken = default) => _database.InitializeAsync(cancellationToken);

    public void Dispose() => _database.Dispose();
}
