using CertConnector.Actors.Ports;
using System.Net;
using System.Net.Http.Headers;
using System.Net.Http.Json;
using System.Text.Json;
using CertConnector.Actors.Common;
using CertConnector.Actors.Logging;

namespace CertConnector.Adapters.Service.Remote;

/// <summary>One logical call: which service, which path under its base URI, which event reports a failed attempt.</summary>
/// <param name="RequestId">the request the call is about, when it is about one (written into the events).</param>
public sealed record ServiceCall(string Service, string Path, EventDefinition FailureEvent, string? RequestId = null);

/// <summary>
/// The HTTPS channel to the management service (docs/DESIGN.md §8), shared by every feature's remote port: bearer token
/// (renewed once on a 401), <c>api-version</c>, one <c>client-request-id</c> for all attempts of a logical call,
/// discovery (its cache dropped on a transport failure), retries with exponential backoff and jitter on 429, 5xx,
/// time-outs and transport failures honouring Retry-After, never on another 4xx. Each failed attempt writes the
/// call's failure event with the client-request-id. Failures reach the caller as <see cref="ConnectorFailureException"/>s.
/// </summary>
public sealed class ServiceChannel : IDisposable
{
    public static readonly JsonSerializerOptions Json = new(JsonSerializerDefaults.Web) { MaxDepth = ServiceAnswers.MaxDepth };
    private readonly HttpClient _http;
    private readonly RemoteServiceOptions _options;
    private readonly IConnectorEventLog _log;
    private readonly TimeProvider _time;

    public ServiceChannel(RemoteServiceOptions options, IConnectorEventLog log, TimeProvider time, HttpMessageHandler? handler = null)
    {
        _options = options;
        _log = log;
        _time = time;
        // Each attempt has its own time-out (AttemptTimeout); the buffer cap is a second guard behind the bounded reads.
        _http = new HttpClient(handler ?? ServiceHttpHandler.Create(options), disposeHandler: true)
        {
            Timeout = Timeout.InfiniteTimeSpan,
            MaxResponseContentBufferSize = Math.Max(options.MaxResponseBytes, options.MaxSmallResponseBytes),
        };
        Tokens = new ServiceTokens(_http, options, time);
        Discovery = new ServiceDiscovery(_http, options);
    }

    public ServiceTokens Tokens { get; }
    public ServiceDiscovery Discovery { get; }
    public RemoteServiceOptions Options => _options;

    /// <summary>Posts <paramref name="body"/> as JSON and reads the answer as <typeparamref name="TResponse"/>.</summary>
    public async Task<TResponse> PostAsync<TResponse>(ServiceCall call, object body, CancellationToken cancellationToken)
    {
        var clientRequestId = Guid.NewGuid().ToString();
        ServiceCallContext.Record(clientRequestId); // the caller's events about this call carry it too, successes included
        var renewedToken = false;
        for (var attempt = 1; ; attempt++)
        {
            TimeSpan? retryAfter = null;
            ConnectorFailureException failure;
            try
            {
                var started = _time.GetTimestamp();
                var answer = await AttemptAsync<TResponse>(call, body, clientRequestId, cancellationToken).ConfigureAwait(false);
                var elapsedMs = (long)_time.GetElapsedTime(started).TotalMilliseconds;
                _log.Write(new ConnectorEvent(ConnectorInternalEvents.ServiceCallSucceeded,
                    $"Call {call.Path} succeeded (attempt {attempt}, {elapsedMs} ms).", call.RequestId,
                    new Dictionary<string, object?> { ["attempt"] = attempt, ["path"] = call.Path, ["elapsedMs"] = elapsedMs },
                    clientRequestId));
                return answer;
            }
            catch (TokenRejected rejected) when (!renewedToken)
            {
                // The cached token may have been revoked or rotated early: one new token, at once.
                renewedToken = true;
                Tokens.Invalidate(rejected.Token);
                Report(call, clientRequestId, attempt, $"the service rejected the bearer token (HTTP 401); fetching a new token and trying again", TimeSpan.Zero, 401);
                continue;
            }
            catch (TokenRejected)
            {
                var final = ConnectorFailureException.Final(ServiceFailureCodes.TokenRejected,
                    $"The service rejected a freshly issued token too (HTTP 401) for {call.Path}: the client ID is not authorized for this service. Check Connector:Service:ClientId, Scope, and the app's permissions.");
                Report(call, clientRequestId, attempt, final.Message, null, 401);
                throw final;
            }
            catch (ServiceHttpStatusException e) when (IsRetryable(e.Status))
            {
                failure = ConnectorFailureException.Transient(ServiceFailureCodes.Unavailable, e.Message, e);
                retryAfter = e.RetryAfter;
            }
            catch (ServiceHttpStatusException e)
            {
                var final = ConnectorFailureException.Final(ServiceFailureCodes.Rejected, e.Message, e);
                Report(call, clientRequestId, attempt, e.Message, null, e.Status);
                throw final;
            }
            catch (ConnectorFailureException e) when (!e.Retryable)
            {
                Report(call, clientRequestId, attempt, e.Message, null, null);
                throw;
            }
            catch (ConnectorFailureException e)
            {
                failure = e;
                if (IsTransport(e.Code)) Discovery.Invalidate();
            }
            catch (HttpRequestException e)
            {
                Discovery.Invalidate(); // the service may have moved: ask discovery again on the next attempt
                failure = TransportErrors.Failure(e, ServiceFailureCodes.Unreachable, $"The service at {call.Service} cannot be reached for {call.Path}");
            }
            catch (OperationCanceledException e) when (!cancellationToken.IsCancellationRequested)
            {
                Discovery.Invalidate();
                failure = ConnectorFailureException.Transient(ServiceFailureCodes.Timeout, $"The service did not answer {call.Path} within {_options.AttemptTimeout.TotalSeconds:0.#} s.", e);
            }

            if (attempt >= _options.MaxAttempts)
            {
                Report(call, clientRequestId, attempt, $"{failure.Message} Giving up after {attempt} attempts.", null, (failure.InnerException as ServiceHttpStatusException)?.Status);
                throw ConnectorFailureException.Transient(failure.Code, $"{failure.Message} (after {attempt} attempts)", failure);
            }
            var delay = retryAfter is { } ra ? (ra > _options.MaxRetryAfter ? _options.MaxRetryAfter : ra) : Backoff(attempt);
            Report(call, clientRequestId, attempt, failure.Message, delay, (failure.InnerException as ServiceHttpStatusException)?.Status);
            await Task.Delay(delay, _time, cancellationToken).ConfigureAwait(false);
        }
    }

    private async Task<TResponse> AttemptAsync<TResponse>(ServiceCall call, object body, string clientRequestId, CancellationToken cancellationToken)
    {
        using var timeout = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken);
        timeout.CancelAfter(_options.AttemptTimeout);
        var token = await Tokens.GetAsync(timeout.Token).ConfigureAwait(false);
        Uri baseUri;
        try
        {
            baseUri = await Discovery.ResolveAsync(call.Service, token, clientRequestId, timeout.Token).ConfigureAwait(false);
        }
        catch (ServiceHttpStatusException e) when (e.Status == 401)
        {
            throw new TokenRejected(token); // discovery is authenticated too
        }
        using var request = new HttpRequestMessage(HttpMethod.Post, Combine(baseUri, call.Path))
        {
            Content = JsonContent.Create(body, body.GetType(), options: Json),
        };
        request.Headers.Authorization = new AuthenticationHeaderValue("Bearer", token);
        request.Headers.Add("api-version", _options.ApiVersion);
        request.Headers.Add("client-request-id", clientRequestId);
        request.Headers.Accept.Add(new MediaTypeWithQualityHeaderValue("application/json"));
        using var response = await _http.SendAsync(request, HttpCompletionOption.ResponseHeadersRead, timeout.Token).ConfigureAwait(false);
        if (response.StatusCode == HttpStatusCode.Unauthorized) throw new TokenRejected(token);
        if (!response.IsSuccessStatusCode)
        {
            var text = await ServiceAnswers.ExcerptAsync(response, timeout.Token).ConfigureAwait(false);
            throw new ServiceHttpStatusException(response, $"The service answered HTTP {(int)response.StatusCode}{ServiceAnswers.RedirectNote(response)} to {call.Path}{Excerpt(text)}.");
        }
        var answer = await ServiceAnswers.ReadAsync(response, _options.MaxResponseBytes, call.Path, timeout.Token).ConfigureAwait(false);
        try
        {
            return JsonSerializer.Deserialize<TResponse>(answer, Json) ?? throw new JsonException("empty answer");
        }
        catch (JsonException e)
        {
            throw ConnectorFailureException.Transient(ServiceFailureCodes.BadAnswer, $"The service's answer to {call.Path} is not the expected JSON: {e.Message}", e);
        }
    }

    public static Uri Combine(Uri baseUri, string path) => new(baseUri.ToString().TrimEnd('/') + "/" + path.TrimStart('/'));

    private static bool IsRetryable(int status) => status is 408 or 429 or >= 500;

    private static bool IsTransport(string code) => code is ServiceFailureCodes.Unreachable or ServiceFailureCodes.DiscoveryUnreachable
        or ServiceFailureCodes.TlsFailure or ServiceFailureCodes.ProxyFailure or ServiceFailureCodes.Timeout or ServiceFailureCodes.TokenEndpointUnreachable;

    /// <summary>Exponential, capped, with jitter (half to all of the step), so many instances do not retry in step.</summary>
    private TimeSpan Backoff(int attempt)
    {
        var step = Math.Min(_options.RetryMaxDelay.TotalMilliseconds, _options.RetryBaseDelay.TotalMilliseconds * Math.Pow(2, attempt - 1));
        return TimeSpan.FromMilliseconds(step * (0.5 + Random.Shared.NextDouble() / 2));
    }

    /// <summary>Retry-After as seconds or an HTTP date.</summary>
    public static TimeSpan? RetryAfterOf(HttpResponseMessage response)
    {
        var header = response.Headers.RetryAfter;
        if (header?.Delta is { } delta) return delta < TimeSpan.Zero ? TimeSpan.Zero : delta;
        if (header?.Date is { } date)
        {
            var wait = date - DateTimeOffset.UtcNow;
            return wait < TimeSpan.Zero ? TimeSpan.Zero : wait;
        }
        return null;
    }

    private static string Excerpt(string text)
    {
        text = text.ReplaceLineEndings(" ").Trim();
        return text.Length == 0 ? "" : ": " + (text.Length > 200 ? text[..200] + "…" : text);
    }

    private void Report(ServiceCall call, string clientRequestId, int attempt, string message, TimeSpan? retryIn, int? status)
    {
        var properties = new Dictionary<string, object?>
        {
            ["attempt"] = attempt,
            ["path"] = call.Path,
            ["status"] = status,
            ["willRetry"] = retryIn is not null,
            ["retryInMs"] = retryIn is { } r ? (long)r.TotalMilliseconds : null,
        };
        var text = retryIn is { } wait ? $"Call {call.Path} attempt {attempt} failed: {message} Retrying in {wait.TotalSeconds:0.###} s." : $"Call {call.Path} attempt {attempt} failed: {message}";
        _log.Write(new ConnectorEvent(call.FailureEvent, text, call.RequestId, properties, clientRequestId));
    }

    public void Dispose() => _http.Dispose();

    private sealed class TokenRejected(string token) : Exception("HTTP 401")
    {
        public string Token { get; } = token;
    }
}
