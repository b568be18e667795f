using CertConnector.Actors.Logging;
using CertConnector.Actors.Ports;

namespace CertConnector.Adapters.Service.Remote;

/// <summary><see cref="IHealthService"/> over ConnectorHealth/uploadHealthMessages (docs/DESIGN.md §8).</summary>
public sealed class RemoteHealthService(ServiceChannel channel) : IHealthService
{
    public const string Path = "ConnectorHealth/uploadHealthMessages";

    public async Task UploadHealthMessagesAsync(IReadOnlyList<HealthMessage> messages, CancellationToken cancellationToken)
    {
        var answer = await channel.PostAsync<ValueFlag>(new ServiceCall(ServiceNames.Pki, Path, ConnectorEvents.HealthMessageUploadFailedAttempt),
            new { messages }, cancellationToken).ConfigureAwait(false);
        answer.EnsureAcknowledged("uploadHealthMessages");
    }
}
