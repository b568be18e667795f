using System.Net;
using System.Net.Http.Headers;
using System.Text.Json;
using CertConnector.Actors.Common;

namespace CertConnector.Adapters.Service.Remote;

/// <summary>
/// OAuth2 client credentials (SPEC §3): one token, cached until shortly before it expires, fetched by one caller at a
/// time. A rejected secret is final (retrying cannot fix it); an unreachable endpoint is retryable.
/// </summary>
public sealed class ServiceTokens(HttpClient http, RemoteServiceOptions options, TimeProvider time)
{
    /// <summary>Renew this long before expires_in runs out (or at half the lifetime of a short-lived token).</summary>
    private static readonly TimeSpan RenewBefore = TimeSpan.FromMinutes(2);
    private readonly SemaphoreSlim _gate = new(1, 1);
    private (string Token, DateTimeOffset RenewAt)? _cached;

    public async Task<string> GetAsync(CancellationToken cancellationToken)
    {
        if (_cached is { } c && time.GetUtcNow() < c.RenewAt) return c.Token;
        await _gate.WaitAsync(cancellationToken).ConfigureAwait(false);
        try
        {
            if (_cached is { } again && time.GetUtcNow() < again.RenewAt) return again.Token;
            var (token, lifetime) = await FetchAsync(cancellationToken).ConfigureAwait(false);
            var margin = lifetime > RenewBefore * 2 ? RenewBefore : lifetime / 2;
            _cached = (token, time.GetUtcNow() + lifetime - margin);
            return token;
        }
        finally
        {
            _gate.Release();
        }
    }

    /// <summary>The service rejected the token (401): the next call fetches a new one.</summary>
    public void Invalidate(string token)
    {
        if (_cached is { } c && c.Token == token) _cached = null;
    }

    private async Task<(string Token, TimeSpan Lifetime)> FetchAsync(CancellationToken cancellationToken)
    {
        var form = new Dictionary<string, string> { ["grant_type"] = "client_credentials", ["client_id"] = options.ClientId };
        if (options.ClientSecret is { Length: > 0 } secret) form["client_secret"] = secret;
        if (options.Scope.Length > 0) form["scope"] = options.Scope;
        using var request = new HttpRequestMessage(HttpMethod.Post, options.TokenUrl) { Content = new FormUrlEncodedContent(form) };
        request.Headers.Accept.Add(new MediaTypeWithQualityHeaderValue("application/json"));
        using var timeout = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken);
        timeout.CancelAfter(options.AttemptTimeout);
        HttpResponseMessage response;
        try
        {
            response = await http.SendAsync(request, timeout.Token).ConfigureAwait(false);
        }
        catch (HttpRequestException e)
        {
            throw TransportErrors.Failure(e, ServiceFailureCodes.TokenEndpointUnreachable, $"The token endpoint {options.TokenUrl} cannot be reached");
        }
        catch (OperationCanceledException e) when (!cancellationToken.IsCancellationRequested)
        {
            throw ConnectorFailureException.Transient(ServiceFailureCodes.TokenEndpointUnreachable, $"The token endpoint {options.TokenUrl} did not answer within {options.AttemptTimeout.TotalSeconds:0} s.", e);
        }
        using (response)
        {
            var body = await response.Content.ReadAsStringAsync(cancellationToken).ConfigureAwait(false);
            if (response.StatusCode is HttpStatusCode.BadRequest or HttpStatusCode.Unauthorized or HttpStatusCode.Forbidden)
            {
                var error = OAuthError(body);
                throw ConnectorFailureException.Final(ServiceFailureCodes.CredentialsRejected,
                    $"The token endpoint {options.TokenUrl} rejected the client credentials (HTTP {(int)response.StatusCode}{(error is null ? "" : ", " + error)}). " +
                    "Check Connector:Service:ClientId and ClientSecret (or the client certificate) and Scope.");
            }
            if (!response.IsSuccessStatusCode)
                throw ConnectorFailureException.Transient(ServiceFailureCodes.TokenEndpointUnreachable, $"The token endpoint {options.TokenUrl} answered HTTP {(int)response.StatusCode}.");
            try
            {
                using var json = JsonDocument.Parse(body);
                var token = json.RootElement.GetProperty("access_token").GetString();
                var seconds = json.RootElement.TryGetProperty("expires_in", out var e) ? (e.ValueKind == JsonValueKind.String ? int.Parse(e.GetString()!) : e.GetInt32()) : 3600;
                if (string.IsNullOrEmpty(token)) throw new FormatException("empty access_token");
                return (token, TimeSpan.FromSeconds(Math.Max(1, seconds)));
            }
            catch (Exception e) when (e is JsonException or KeyNotFoundException or FormatException or InvalidOperationException)
            {
                throw ConnectorFailureException.Transient(ServiceFailureCodes.BadAnswer, $"The token endpoint {options.TokenUrl} answered without a usable access_token.", e);
            }
        }
    }

    private static string? OAuthError(string body)
    {
        try
        {
            using var json = JsonDocument.Parse(body);
            return json.RootElement.TryGetProperty("error", out var error) ? error.GetString() : null;
        }
        catch (JsonException)
        {
            return null;
        }
    }
}
