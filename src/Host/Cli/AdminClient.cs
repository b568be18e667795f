using System.Net;
using System.Net.Http.Headers;
using System.Net.Http.Json;
using System.Text.Json;
using CertConnector.Host.Configuration;

namespace CertConnector.Host.Cli;

/// <summary>The CLI's HTTP client for the admin API: finds the URL and token, turns errors into messages.</summary>
public sealed class AdminClient(string baseUrl, string? token) : IDisposable
{
    private readonly HttpClient _http = CreateHttp(baseUrl, token);

    public string BaseUrl { get; } = baseUrl.TrimEnd('/');

    /// <summary>How the admin API writes its records (camelCase), for reading them back into the same types.</summary>
    public static JsonSerializerOptions Json { get; } = new(JsonSerializerDefaults.Web);

    /// <summary>URL: --url, else CERTCONNECTOR_URL, else the address the running host wrote into the data
    /// directory, else the default. Token: CERTCONNECTOR_TOKEN, else the data directory's token file.</summary>
    public static AdminClient Create(string? url, string? dataDir)
    {
        var data = new DataDirectory(dataDir ?? Environment.GetEnvironmentVariable("CERTCONNECTOR_DATA_DIR") ?? "data");
        var resolved = url
            ?? Environment.GetEnvironmentVariable("CERTCONNECTOR_URL")
            ?? (File.Exists(data.AdminUrlFile) ? File.ReadAllText(data.AdminUrlFile).Trim() : null)
            ?? new ConnectorOptions().AdminUrl;
        CheckTransport(resolved);
        return new AdminClient(resolved, data.ReadToken());
    }

    /// <summary>
    /// The token goes over plain http only to this machine: https anywhere, http to localhost or a loopback address. A host
    /// name is never resolved to decide (DNS can point anywhere), so http://name is refused before the token is read or any
    /// connection is made.
    /// </summary>
    public static void CheckTransport(string url)
    {
        if (!Uri.TryCreate(url, UriKind.Absolute, out var uri) || (uri.Scheme != Uri.UriSchemeHttp && uri.Scheme != Uri.UriSchemeHttps))
            throw new CliException($"The admin API URL '{url}' is not an http:// or https:// URL (--url or CERTCONNECTOR_URL).", exitCode: 2);
        if (uri.Scheme == Uri.UriSchemeHttps || uri.IsLoopback) return;
        throw new CliException($"Refusing to send the admin token in plain http to {uri.Host}, which is not this machine: use https (a TLS reverse proxy in front of the admin API), " +
                               "or run the CLI on the connector's machine against http://127.0.0.1 (--url or CERTCONNECTOR_URL).", exitCode: 2);
    }

    public async Task<JsonElement> SendAsync(HttpMethod method, string path, object? body, CancellationToken ct)
    {
        using var request = new HttpRequestMessage(method, BaseUrl + path);
        if (body is not null) request.Content = JsonContent.Create(body);
        using var timeout = CancellationTokenSource.CreateLinkedTokenSource(ct);
        timeout.CancelAfter(CallTimeout);
        using var response = await SendCheckedAsync(request, HttpCompletionOption.ResponseContentRead, timeout.Token, CallTimeout);
        var text = await response.Content.ReadAsStringAsync(timeout.Token);
        if (response.Content.Headers.ContentType?.MediaType?.Contains("json") != true)
            return JsonSerializer.SerializeToElement(text);
        return JsonDocument.Parse(text).RootElement.Clone();
    }

    /// <summary>An API call's answer must come within this; a download (<see cref="DownloadAsync"/>) has longer.</summary>
    public static readonly TimeSpan CallTimeout = TimeSpan.FromSeconds(60);

    /// <summary>A package may be large and the connector answers only once it has fetched and checked all of it.</summary>
    public static readonly TimeSpan DownloadTimeout = TimeSpan.FromMinutes(30);

    /// <summary>A file the API answers (<c>application/octet-stream</c>), streamed to <paramref name="target"/>.</summary>
    public async Task DownloadAsync(string path, string target, CancellationToken ct)
    {
        using var timeout = CancellationTokenSource.CreateLinkedTokenSource(ct);
        timeout.CancelAfter(DownloadTimeout);
        ct = timeout.Token;
        using var request = new HttpRequestMessage(HttpMethod.Get, BaseUrl + path);
        using var response = await SendCheckedAsync(request, HttpCompletionOption.ResponseHeadersRead, ct, DownloadTimeout);
        await using var file = new FileStream(target, FileMode.Create, FileAccess.Write, FileShare.None);
        await response.Content.CopyToAsync(file, ct);
    }

    /// <summary>The answer when it is a success; otherwise a <see cref="CliException"/> with the API's reason.</summary>
    private async Task<HttpResponseMessage> SendCheckedAsync(HttpRequestMessage request, HttpCompletionOption completion, CancellationToken ct, TimeSpan timeout)
    {
        HttpResponseMessage response;
        try
        {
            response = await _http.SendAsync(request, completion, ct);
        }
        catch (HttpRequestException e)
        {
            throw new CliException($"Cannot reach the admin API at {BaseUrl} ({e.Message}). Is the connector running? (--url or CERTCONNECTOR_URL)");
        }
        catch (OperationCanceledException) when (ct.IsCancellationRequested)
        {
            throw new CliException($"The admin API at {BaseUrl} did not answer {request.RequestUri?.AbsolutePath} within {timeout.TotalSeconds:0} s.");
        }
        if (response.IsSuccessStatusCode) return response;
        using (response)
        {
            if (response.StatusCode == HttpStatusCode.Unauthorized)
                throw new CliException("The admin API refused the token: set CERTCONNECTOR_TOKEN or --data-dir to the connector's data directory.");
            throw new CliException($"{(int)response.StatusCode} {response.ReasonPhrase}: {ErrorText(await response.Content.ReadAsStringAsync(ct))}", (int)response.StatusCode);
        }
    }

    private static string ErrorText(string body)
    {
        try
        {
            var json = JsonDocument.Parse(body).RootElement;
            if (json.TryGetProperty("error", out var error))
                return json.TryGetProperty("field", out var field) && field.ValueKind == JsonValueKind.String
                    ? $"{error.GetString()} (field: {field.GetString()})"
                    : error.GetString() ?? body;
        }
        catch (JsonException)
        {
        }
        return body.Length == 0 ? "(no details)" : body;
    }

    private static HttpClient CreateHttp(string baseUrl, string? token)
    {
        var http = new HttpClient { Timeout = Timeout.InfiniteTimeSpan }; // each call sets its own: a download may take longer than a call
        if (token is not null) http.DefaultRequestHeaders.Authorization = new AuthenticationHeaderValue("Bearer", token);
        return http;
    }

    public void Dispose() => _http.Dispose();
}

/// <summary>A failure the CLI reports as one line on stderr with a non-zero exit code.</summary>
/// <param name="exitCode">1 for a failed call; 2 for a command line that is refused before anything is sent.</param>
public sealed class CliException(string message, int status = 0, int exitCode = 1) : Exception(message)
{
    public int Status { get; } = status;
    public int ExitCode { get; } = exitCode;
}
