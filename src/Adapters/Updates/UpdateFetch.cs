using System.Net;
using System.Net.Security;
using System.Security.Authentication;
using System.Security.Cryptography;
using CertConnector.Actors.Logging;

namespace CertConnector.Adapters.Updates;

/// <summary>
/// Fetches the release feed and packages, bounded: https (plain http only to this machine, e.g. a test feed on loopback), through the
/// configured proxy and only it, no redirects (a 3xx is a failure: a feed cannot send us to another scheme or host), a time-out on the
/// whole call and a size cap. A feed may also be a file path.
/// </summary>
public sealed class UpdateFetch : IDisposable
{
    private readonly HttpClient _http;
    private readonly TimeSpan _timeout;

    public UpdateFetch(Uri? proxy, IReadOnlyList<string> proxyBypass, TimeSpan timeout)
    {
        _timeout = timeout;
        _http = new HttpClient(new SocketsHttpHandler
        {
            AllowAutoRedirect = false,
            ConnectTimeout = timeout,
            UseProxy = proxy is not null, // never the environment's proxy: the setting is the whole truth
            Proxy = proxy is null ? null : new WebProxy(proxy, false, proxyBypass.ToArray()),
            SslOptions = new SslClientAuthenticationOptions { EnabledSslProtocols = SslProtocols.Tls12 | SslProtocols.Tls13 },
        }) { Timeout = Timeout.InfiniteTimeSpan };
    }

    /// <summary>An URL the connector fetches from: https, or http to a loopback address; null when <paramref name="location"/> is a file path.</summary>
    /// <exception cref="ArgumentException">an URL of another scheme, or plain http beyond this machine.</exception>
    public static Uri? UrlOf(string location)
    {
        if (!location.Contains("://", StringComparison.Ordinal)) return null;
        if (!Uri.TryCreate(location, UriKind.Absolute, out var uri) || (uri.Scheme != Uri.UriSchemeHttps && uri.Scheme != Uri.UriSchemeHttp))
            throw new ArgumentException($"'{location}' is not an https:// URL or a file path.");
        if (uri.Scheme == Uri.UriSchemeHttp && !uri.IsLoopback)
            throw new ArgumentException($"'{location}' is plain http to another machine: use https.");
        return uri;
    }

    /// <summary>The whole feed, at most <paramref name="maxBytes"/>.</summary>
    /// <exception cref="FeedRefusedException">(<see cref="ConnectorInternalEvents.UpdateFeedUnavailable"/>) anything that keeps it from being read.</exception>
    public async Task<byte[]> ReadAsync(string location, int maxBytes, CancellationToken ct)
    {
        using var buffer = new MemoryStream();
        await CopyAsync(location, buffer, maxBytes, ConnectorInternalEvents.UpdateFeedUnavailable, "release feed", ct);
        return buffer.ToArray();
    }

    /// <summary>Writes the package to <paramref name="target"/> and answers its sha256 (lower-case hex).</summary>
    /// <exception cref="FeedRefusedException">(<see cref="ConnectorInternalEvents.UpdatePackageRefused"/>) it could not be fetched whole.</exception>
    public async Task<string> DownloadAsync(string url, string target, long maxBytes, CancellationToken ct)
    {
        await using (var file = new FileStream(target, FileMode.Create, FileAccess.Write, FileShare.None))
            await CopyAsync(url, file, maxBytes, ConnectorInternalEvents.UpdatePackageRefused, "package", ct);
        await using var read = File.OpenRead(target);
        return Convert.ToHexStringLower(await SHA256.HashDataAsync(read, ct));
    }

    private async Task CopyAsync(string location, Stream target, long maxBytes, EventDefinition failure, string what, CancellationToken ct)
    {
        Uri? url;
        try
        {
            url = UrlOf(location);
        }
        catch (ArgumentException e)
        {
            throw new FeedRefusedException(failure, e.Message);
        }
        using var timeout = CancellationTokenSource.CreateLinkedTokenSource(ct);
        timeout.CancelAfter(_timeout);
        try
        {
            if (url is null)
            {
                if (!File.Exists(location)) throw new FeedRefusedException(failure, $"The {what} file {location} does not exist.");
                await using var file = File.OpenRead(location);
                await CopyBoundedAsync(file, target, maxBytes, failure, what, location, timeout.Token);
                return;
            }
            using var response = await _http.GetAsync(url, HttpCompletionOption.ResponseHeadersRead, timeout.Token);
            if ((int)response.StatusCode is >= 300 and < 400)
                throw new FeedRefusedException(failure, $"The {what} at {url} answered a redirect ({(int)response.StatusCode}) to {response.Headers.Location}; redirects are not followed.");
            if (!response.IsSuccessStatusCode)
                throw new FeedRefusedException(failure, $"The {what} at {url} answered {(int)response.StatusCode} {response.ReasonPhrase}.");
            if (response.Content.Headers.ContentLength > maxBytes)
                throw new FeedRefusedException(failure, $"The {what} at {url} is {response.Content.Headers.ContentLength} bytes, more than the {maxBytes} allowed.");
            await using var body = await response.Content.ReadAsStreamAsync(timeout.Token);
            await CopyBoundedAsync(body, target, maxBytes, failure, what, url.ToString(), timeout.Token);
        }
        catch (OperationCanceledException) when (!ct.IsCancellationRequested)
        {
            throw new FeedRefusedException(failure, $"Fetching the {what} from {location} took longer than {_timeout.TotalSeconds:0} s.");
        }
        catch (Exception e) when (e is HttpRequestException or IOException or UnauthorizedAccessException)
        {
            throw new FeedRefusedException(failure, $"Fetching the {what} from {location} failed: {e.Message}");
        }
    }

    private static async Task CopyBoundedAsync(Stream source, Stream target, long maxBytes, EventDefinition failure, string what, string from, CancellationToken ct)
    {
        var chunk = new byte[81920];
        long total = 0;
        int read;
        while ((read = await source.ReadAsync(chunk, ct)) > 0)
        {
            total += read;
            if (total > maxBytes) throw new FeedRefusedException(failure, $"The {what} at {from} is larger than the {maxBytes} bytes allowed.");
            await target.WriteAsync(chunk.AsMemory(0, read), ct);
        }
    }

    public void Dispose() => _http.Dispose();
}
