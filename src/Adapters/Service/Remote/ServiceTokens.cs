using System.Net;
using System.Net.Http.Headers;
using System.Text.Json;
using CertConnector.Actors.Common;

namespace CertConnector.Adapters.Service.Remote;

/// <summary>
/// OAuth2 client credentials (docs/DESIGN.md §8): one token, cached until shortly before it expires, fetched by one caller at a
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
        try
        {
            return await ExchangeAsync(request, timeout.Token).ConfigureAwait(false);
        }
        catch (HttpRequestException e)
        {
            throw TransportErrors.Failure(e, ServiceFailureCodes.TokenEndpointUnreachable, $"The token endpoint {options.TokenUrl} cannot be reached");
        }
        catch (OperationCanceledException e) when (!cancellationToken.IsCancellationRequested)
        {
            // The answer's body counts too: a service trickling it byte by byte must not hold the token lock for ever.
            throw ConnectorFailureException.Transient(ServiceFailureCodes.TokenEndpointUnreachable, $"The token endpoint {options.TokenUrl} did not answer within {options.AttemptTimeout.TotalSeconds:0} s.", e);
        }
    }

    private async Task<(string Token, TimeSpan Lifetime)> ExchangeAsync(HttpRequestMessage request, CancellationToken cancellationToken)
    {
        var response = await http.SendAsync(request, HttpCompletionOption.ResponseHeadersRead, cancellationToken).ConfigureAwait(false);
        using (response)
        {
            if (response.StatusCode is HttpStatusCode.BadRequest or HttpStatusCode.Unauthorized or HttpStatusCode.Forbidden)
            {
                var error = OAuthError(await ServiceAnswers.ExcerptAsync(response, cancellationToken).ConfigureAwait(false));
                throw ConnectorFailureException.Final(ServiceFailureCodes.CredentialsRejected,
                    $"The token endpoint {options.TokenUrl} rejected the client credentials (HTTP {(int)response.StatusCode}{(error is null ? "" : ", " + error)}). " +
                    "Check Connector:Service:ClientId and ClientSecret (or the client certificate) and Scope.");
            }
            if (!response.IsSuccessStatusCode)
                throw ConnectorFailureException.Transient(ServiceFailureCodes.TokenEndpointUnreachable, $"The token endpoint {options.TokenUrl} answered HTTP {(int)response.StatusCode}{ServiceAnswers.RedirectNote(response)}.");
            var body = await ServiceAnswers.ReadAsync(response, options.MaxSmallResponseBytes, $"the token endpoint {options.TokenUrl}", cancellationToken).ConfigureAwait(false);
            try
            {
                using var json = JsonDocument.Parse(body, ServiceAnswers.DocumentOptions);
                var token = json.RootElement.GetProperty("access_token").GetString();
                if (string.IsNullOrEmpty(token)) throw new FormatException("empty access_token");
                return (token, Lifetime(json.RootElement));
            }
            catch (Exception e) when (e is JsonException or KeyNotFoundException or FormatException or InvalidOperationException)
            {
                throw ConnectorFailureException.Transient(ServiceFailureCodes.BadAnswer, $"The token endpoint {options.TokenUrl} answered without a usable access_token.", e);
            }
        }
    }

    /// <summary>expires_in (a number, or a number in a string) clamped to [<see cref="MinLifetime"/>, <see cref="MaxLifetime"/>]: a
    /// service answering 0 or -5 must not make every call fetch a token, nor 1e300 keep one for ever; missing or unreadable is an hour.</summary>
    public static TimeSpan Lifetime(JsonElement answer)
    {
        double? seconds = !answer.TryGetProperty("expires_in", out var e) ? null : e.ValueKind switch
        {
            JsonValueKind.Number when e.TryGetDouble(out var number) => number, // 1e400 reads as infinity: a day
            JsonValueKind.String when double.TryParse(e.GetString(), System.Globalization.NumberStyles.Float, System.Globalization.CultureInfo.InvariantCulture, out var parsed) => parsed,
            _ => null,
        };
        if (seconds is not { } s || double.IsNaN(s)) return DefaultLifetime;
        return s <= MinLifetime.TotalSeconds ? MinLifetime : s >= MaxLifetime.TotalSeconds ? MaxLifetime : TimeSpan.FromSeconds(s);
    }

    public static readonly TimeSpan MinLifetime = TimeSpan.FromSeconds(60);
    public static readonly TimeSpan MaxLifetime = TimeSpan.FromHours(24);
    private static readonly TimeSpan DefaultLifetime = TimeSpan.FromHours(1);

    private static string? OAuthError(string body)
    {
        try
        {
            using var json = JsonDocument.Parse(body, ServiceAnswers.DocumentOptions);
            return json.RootElement.ValueKind == JsonValueKind.Object && json.RootElement.TryGetProperty("error", out var error) && error.ValueKind == JsonValueKind.String
                ? error.GetString()
                : null;
        }
        catch (JsonException)
        {
            return null;
        }
    }
}
