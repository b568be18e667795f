using System.Net.Http.Headers;
using System.Text.Json;
using CertConnector.Actors.Common;

namespace CertConnector.Adapters.Service.Remote;

/// <summary>
/// Service name → base URI (docs/DESIGN.md §8): explicit <see cref="RemoteServiceOptions.BaseUris"/> first, else the discovery
/// answer, cached until <see cref="Invalidate"/> (the channel calls it on a transport failure: the service may have moved).
/// </summary>
public sealed class ServiceDiscovery(HttpClient http, RemoteServiceOptions options)
{
    private volatile DiscoveryAnswer? _cached;

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
        var answer = _cached ?? await FetchAsync(token, clientRequestId, cancellationToken).ConfigureAwait(false);
        if (answer.Services.TryGetValue(service, out var uri)) return uri;
        if (answer.Refused.TryGetValue(service, out var refused))
            throw ConnectorFailureException.Transient(ServiceFailureCodes.BadAnswer,
                $"The discovery answer from {options.DiscoveryUrl} names '{refused}' for {service}, which is not an absolute https URI: refused, " +
                $"since the channel carries the bearer token and keys. Fix the service's registration, or set {BaseUriSetting(service)}.");
        throw ConnectorFailureException.Final(ServiceFailureCodes.DiscoveryMissingService,
            $"The discovery answer from {options.DiscoveryUrl} has no {service} (it lists: {(answer.Services.Count == 0 ? "nothing" : string.Join(", ", answer.Services.Keys))}). " +
            $"Check that the connector is enrolled for this feature, or set {BaseUriSetting(service)}.");
    }

    public static string BaseUriSetting(string service) => service == ServiceNames.ScepValidation ? "Connector:Service:ScepBaseUri" : "Connector:Service:PkiBaseUri";

    /// <summary>Only an absolute https URI with a host is followed: discovery must not be able to send the token in the clear.</summary>
    public static bool IsAcceptable(Uri uri) => uri.IsAbsoluteUri && uri.Scheme == Uri.UriSchemeHttps && uri.Host.Length > 0 && uri.UserInfo.Length == 0;

    private async Task<DiscoveryAnswer> FetchAsync(string token, string clientRequestId, CancellationToken cancellationToken)
    {
        Interlocked.Increment(ref _fetches);
        using var request = new HttpRequestMessage(HttpMethod.Get, options.DiscoveryUrl);
        request.Headers.Authorization = new AuthenticationHeaderValue("Bearer", token);
        request.Headers.Add("api-version", options.ApiVersion);
        request.Headers.Add("client-request-id", clientRequestId);
        using var timeout = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken);
        timeout.CancelAfter(options.AttemptTimeout);
        HttpResponseMessage response;
        try
        {
            response = await http.SendAsync(request, HttpCompletionOption.ResponseHeadersRead, timeout.Token).ConfigureAwait(false);
        }
        catch (HttpRequestException e)
        {
            throw TransportErrors.Failure(e, ServiceFailureCodes.DiscoveryUnreachable, $"The discovery endpoint {options.DiscoveryUrl} cannot be reached");
        }
        using (response)
        {
            if (!response.IsSuccessStatusCode)
                throw new ServiceHttpStatusException(response, $"The discovery endpoint {options.DiscoveryUrl} answered HTTP {(int)response.StatusCode}{ServiceAnswers.RedirectNote(response)}.");
            var body = await ServiceAnswers.ReadAsync(response, options.MaxSmallResponseBytes, $"the discovery endpoint {options.DiscoveryUrl}", timeout.Token).ConfigureAwait(false);
            try
            {
                using var json = JsonDocument.Parse(body, ServiceAnswers.DocumentOptions);
                var services = new Dictionary<string, Uri>(StringComparer.OrdinalIgnoreCase);
                var refused = new Dictionary<string, string>(StringComparer.OrdinalIgnoreCase);
                foreach (var entry in json.RootElement.GetProperty("value").EnumerateArray())
                {
                    if (entry.GetProperty("providerName").GetString() is not { } name) continue;
                    var text = entry.GetProperty("uri").GetString() ?? "";
                    if (Uri.TryCreate(text, UriKind.Absolute, out var uri) && IsAcceptable(uri)) services[name] = uri;
                    else refused[name] = text.Length > 200 ? text[..200] + "…" : text;
                }
                var answer = new DiscoveryAnswer(services, refused);
                // A refused entry may be a transient mistake of the service: ask again next time rather than keep it.
                if (refused.Count == 0) _cached = answer;
                return answer;
            }
            catch (Exception e) when (e is JsonException or KeyNotFoundException or InvalidOperationException)
            {
                throw ConnectorFailureException.Transient(ServiceFailureCodes.BadAnswer, $"The discovery endpoint {options.DiscoveryUrl} answered without a service list ({{\"value\":[{{providerName, uri}}]}}).", e);
            }
        }
    }

    private sealed record DiscoveryAnswer(IReadOnlyDictionary<string, Uri> Services, IReadOnlyDictionary<string, string> Refused);
}

/// <summary>A non-success status, with what the retry decision needs (status, Retry-After).</summary>
public sealed class ServiceHttpStatusException(HttpResponseMessage response, string message) : Exception(message)
{
    public int Status { get; } = (int)response.StatusCode;
    public TimeSpan? RetryAfter { get; } = ServiceChannel.RetryAfterOf(response);
}
