using Akka.Hosting;
using CertConnector.Actors.Common;
using CertConnector.Actors.Logging;
using CertConnector.Actors.Ports;

namespace CertConnector.Actors.PfxImport;

/// <summary>Registry key of the PKCS import shard region (or proxy, on nodes without the role).</summary>
public sealed class PfxImportRequestRegion;

/// <summary>Registry key of this node's PKCS import coordinator (its backoff supervisor).</summary>
public sealed class PfxImportCoordinatorKey;

/// <summary>The PKCS import feature's <see cref="RequestCoordinator"/>: pulls from <see cref="IPfxImportService"/>.</summary>
public static class PfxImportCoordinator
{
    public static PullSource Source(IPfxImportService service, PfxImportOptions options) => new("pkcs-import",
        async (max, ct) => [.. (await service.DownloadPfxImportRequestsAsync(max, ct).ConfigureAwait(false)).Select(r => new StartPfxImportRequest(r))],
        start => start, ConnectorEvents.PkcsImportDownloadSuccess, ConnectorEvents.PkcsImportDownloadFailure, options.PullSettings);
}

public static class PfxImportHosting
{
    public const string Role = "pkcs-import";
    public const string ShardTypeName = "pkcs-import-request";

    /// <summary>The PKCS import feature (see <see cref="PulledFeatureHosting"/>); <see cref="PfxImportPorts"/> comes from DI.</summary>
    public static AkkaConfigurationBuilder AddPfxImportFeature(this AkkaConfigurationBuilder builder, PfxImportOptions options) =>
        builder.AddPulledFeature<PfxImportRequestRegion, PfxImportCoordinatorKey, PfxImportPorts>(options.Enabled, Role, ShardTypeName, PfxImportRequestActor.Props,
            ports => PfxImportCoordinator.Source(ports.Service, ports.Options), ports => ports.Log);
}
