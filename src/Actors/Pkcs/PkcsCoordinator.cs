using CertConnector.Actors.Common;
using CertConnector.Actors.Logging;
using CertConnector.Actors.Ports;

namespace CertConnector.Actors.Pkcs;

/// <summary>The PKCS feature's <see cref="RequestCoordinator"/>: pulls from <see cref="IPkcsService"/>.</summary>
public static class PkcsCoordinator
{
    public static PullSource Source(IPkcsService service, PkcsOptions options) => new("pkcs",
        async (max, ct) => [.. (await service.DownloadPkcsRequestsAsync(max, ct).ConfigureAwait(false)).Select(r => new StartPkcsRequest(r))],
        start => start, ConnectorEvents.PkcsDownloadSuccess, ConnectorEvents.PkcsDownloadFailure,
        options.PullSettings);
}
