using Akka.Hosting;
using CertConnector.Actors.Common;
using CertConnector.Actors.Logging;
using CertConnector.Actors.Ports;

namespace CertConnector.Actors.PkcsImport;

/// <summary>Registry key of the PKCS import shard region (or proxy, on nodes without the role).</summary>
public sealed class PkcsImportRequestRegion;

/// <summary>Registry key of this node's PKCS import coordinator (its backoff supervisor).</summary>
public sealed class PkcsImportCoordinatorKey;

/// <summary>The PKCS import feature's <see cref="RequestCoordinator"/>: pulls from <see cref="IPkcsImportService"/>.</summary>
public static class PkcsImportCoordinator
{
    public static PullSource Source(IPkcsImportService service, PkcsImportOptions options) => new("pkcs-import",
        async (max, ct) => [.. (await service.DownloadPkcsImportRequestsAsync(max, ct).ConfigureAwait(false)).Select(r => new StartPkcsImportRequest(r))],
        start => start, ConnectorEvents.PkcsImportDownloadSuccess, ConnectorEvents.PkcsImportDownloadFailure, options.PullSettings);
}

public static class PkcsImportHosting
{
    public const string Role = "pkcs-import";
    public const string ShardTypeName = "pkcs-import-request";

    /// <summary>The PKCS import feature (see <see cref="PulledFeatureHosting"/>); <see cref="PkcsImportPorts"/> comes from DI.</summary>
    public static AkkaConfigurationBuilder AddPkcsImportFeature(this AkkaConfigurationBuilder builder, PkcsImportOptions options) =>
        builder.AddPulledFeature<PkcsImportRequestRegion, PkcsImportCoordinatorKey, PkcsImportPorts>(options.Enabled, Role, ShardTypeName, PkcsImportRequestActor.Props,
            ports => PkcsImportCoordinator.Source(ports.Service, ports.Options), ports => ports.Log);
}
