using System.Net.Http.Headers;
using System.Text.Json;
using CertConnector.Actors.Common;

namespace CertConnector.Adapters.Service.Remote;

/// <summary>
/// Service name → base URI (SPEC §3): explicit <see cref="RemoteServiceOptions.BaseUris"/> first, else the discovery
/// answer, cached until <see cref="Invalidate"/> (the channel calls it on a transport failure: the service may have moved).
/// </summary>
public sealed class ServiceDiscovery(HttpClient http, RemoteServiceOptions options)
{
    private volatile IReadOnlyDictionary<string, Uri>? _cached;

    /// <summary>How many times discovery was fetched (tests see the cache being dropped).</summary>
    public int Fetches => _fetches;
    private int _fetches;

    public void Invalidate() => _cached = null;

    public async Task<Uri> ResolveAsync(string service, string token, string clientRequestId, CancellationToken cancellationToken)
    {
        if (options.BaseUris.TryGetValue(service, out var given)) return given;
        if (options.DiscoveryUrl is null)
            throw ConnectorFailureException.Final(ServiceFailureCodes.DiscoveryMissingService,
                $"No base URI for {service}: set Connector:Service:DiscoveryUrl, or the service's base URI ({BaseUriSetting(service)}).");
        var map = _cached ?? await FetchAsync(token, clientRequestId, cancellationToken).ConfigureAwait(false);
        if (map.TryGetValue(service, out var uri)) return uri;
        throw ConnectorFailureException.Final(ServiceFailureCodes.DiscoveryMissingService,
            $"The discovery answer from {options.DiscoveryUrl} has no {service} (it lists: {(map.Count == 0 ? "nothing" : string.Join(", ", map.Keys))}). " +
            $"Check that the connector is enrolled for this feature, or set {BaseUriSetting(service)}.");
    }

    public static string BaseUriSetting(string service) => service == ServiceNames.ScepValidation ? "Connector:Service:ScepBaseUri" : "Connector:Service:PkiBaseUri";

    private async Task<IReadOnlyDictionary<string, Uri>> FetchAsync(string token, string clientRequestId, CancellationToken cancellationToken)
    {
        Interlocked.Increment(ref _fetches);
        using var request = new HttpRequestMessage(HttpMethod.Get, options.DiscoveryUrl);
        request.Headers.Authorization = new AuthenticationHeaderValue("Bearer", token);
        request.Headers.Add("api-version", options.ApiVersion);
        request.Headers.Add("client-request-id", clientRequestId);
        HttpResponseMessage response;
        try
        {
            response = await http.SendAsync(request, cancellationToken).ConfigureAwait(false);
        }
        catch (HttpRequestException e)
        {
            throw TransportErrors.Failure(e, ServiceFailureCodes.DiscoveryUnreachable, $"The discovery endpoint {options.DiscoveryUrl} cannot be reached");
        }
        using (response)
        {
            if (!response.IsSuccessStatusCode)
                throw new ServiceHttpStatusException(response, $"The discovery endpoint {options.DiscoveryUrl} answered HTTP {(int)response.StatusCode}.");
            var body = await response.Content.ReadAsStringAsync(cancellationToken).ConfigureAwait(false);
            try
            {
                using var json = JsonDocument.Parse(body);
                var map = new Dictionary<string, Uri>(StringComparer.OrdinalIgnoreCase);
                foreach (var entry in json.RootElement.GetProperty("value").EnumerateArray())
                    if (entry.GetProperty("providerName").GetString() is { } name && Uri.TryCreate(entry.GetProperty("uri").GetString(), UriKind.Absolute, out var uri))
                        map[name] = uri;
                _cached = map;
                return map;
            }
            catch (Exception e) when (e is JsonException or KeyNotFoundException or InvalidOperationException)
            {
                throw ConnectorFailureException.Transient(ServiceFailureCodes.BadAnswer, $"The discovery endpoint {options.DiscoveryUrl} answered without a service list ({{\"value\":[{{providerName, uri}}]}}).", e);
            }
        }
    }
}

/// <summary>A non-success status, with what the retry decision needs (status, Retry-After).</summary>
public sealed class ServiceHttpStatusException(HttpResponseMessage response, string message) : Exception(message)
{
    public int Status { get; } = (int)response.StatusCode;
    public TimeSpan? RetryAfter { get; } = ServiceChannel.RetryAfterOf(response);
}
