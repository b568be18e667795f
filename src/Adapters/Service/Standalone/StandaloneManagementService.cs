using CertConnector.Actors.Ports;

namespace CertConnector.Adapters.Service.Standalone;

/// <summary>
/// The management service in standalone mode: the connector is its own control plane. The actors download
/// and upload through <see cref="IPkcsService"/>; the admin HTTP API enqueues and reads back through
/// the public admin methods. One partial file per feature (PKCS now; revocation, import and SCEP later).
/// Storage failures surface as <c>ConnectorFailureException.Transient("StandaloneStoreUnavailable")</c>.
/// </summary>
public sealed partial class StandaloneManagementService : IPkcsService, IPkcsQueue, IStandaloneRequestList, IDisposable
{
    private readonly StandaloneDatabase _database;
    private readonly StandaloneStore _pkcs;
    private readonly TimeProvider _time;
    private readonly TimeSpan _leaseDuration;
    private readonly string _instanceId;

    public StandaloneManagementService(StandaloneOptions options, TimeProvider? timeProvider = null)
    {
        ArgumentNullException.ThrowIfNull(options);
        if (options.LeaseDuration <= TimeSpan.Zero)
            throw new ArgumentOutOfRangeException(nameof(options), "LeaseDuration must be positive.");
        _database = options.Database ?? new StandaloneDatabase(options.DatabasePath, options.BusyTimeout);
        _pkcs = new StandaloneStore(_database, PkcsTables.Requests, PkcsTables.Results);
        _time = timeProvider ?? TimeProvider.System;
        _leaseDuration = options.LeaseDuration;
        _instanceId = options.InstanceId;
    }

    public string DatabasePath => _database.Path;

    /// <summary>The standalone database, shared with the other features' standalone stores (SCEP challenges, notifications).</summary>
    public StandaloneDatabase Database => _database;

    /// <summary>
    /// Creates the database file and schema now (otherwise done on first use), then takes back the leases this
    /// instance held when it last stopped: after a kill -9 its requests move again at once, not after the lease.
    /// </summary>
    public async Task InitializeAsync(CancellationToken cancellationToken = default)
    {
        await _pkcs.InitializeAsync(cancellationToken).ConfigureAwait(false);
        await ReleaseOwnLeasesAsync(cancellationToken).ConfigureAwait(false);
    }

    public void Dispose() => _database.Dispose();
}
