using System.Net;
using System.Net.Sockets;
using System.Text;
using CertConnector.Actors.Common;

namespace CertConnector.Adapters.Ca.Scep;

/// <summary>
/// SCEP over HTTP to the upstream (RFC 8894 §4): one bounded exchange per call. The network failing, the upstream answering
/// 5xx, 408 or 429 is retryable; another 4xx is final (a wrong URL or a refused operation stays so).
/// </summary>
public sealed class UpstreamScepHttp : IDisposable
{
    public const string UnavailableCode = "UpstreamUnavailable";
    public const string RefusedCode = "UpstreamHttpRefused";

    private readonly UpstreamScepOptions _options;
    private readonly HttpClient _http;

    public UpstreamScepHttp(UpstreamScepOptions options)
    {
        _options = options;
        _http = new HttpClient(new SocketsHttpHandler { ConnectTimeout = options.RequestTimeout, AllowAutoRedirect = false })
        {
            Timeout = Timeout.InfiniteTimeSpan,
        };
    }

    /// <summary>An answer with a success status.</summary>
    public sealed record Answer(string? ContentType, byte[] Body);

    /// <summary>An upstream that answered with an error status: the text is its own, shortened.</summary>
    public sealed class StatusException(HttpStatusCode status, string text, bool retryable)
        : Exception($"HTTP {(int)status} {status}: {text}")
    {
        public HttpStatusCode Status { get; } = status;
        public bool Retryable { get; } = retryable;
    }

    /// <param name="what">the operation as messages name it (e.g. "PKCSReq (PKIOperation)"); the operation itself when null.</param>
    public Task<Answer> GetAsync(string operation, string? message, CancellationToken cancellationToken, string? what = null) =>
        SendAsync(() => new HttpRequestMessage(HttpMethod.Get, Address(operation, message)), what ?? operation, cancellationToken);

    public Task<Answer> PostPkiOperationAsync(byte[] message, string what, CancellationToken cancellationToken) =>
        SendAsync(() =>
        {
            var content = new ByteArrayContent(message);
            content.Headers.ContentType = new("application/x-pki-message");
            return new HttpRequestMessage(HttpMethod.Post, Address("PKIOperation", null)) { Content = content };
        }, what, cancellationToken);

    private Uri Address(string operation, string? message)
    {
        var query = "operation=" + operation + (message is null ? "" : "&message=" + Uri.EscapeDataString(message));
        var builder = new UriBuilder(_options.Url);
        builder.Query = string.IsNullOrEmpty(builder.Query) ? query : builder.Query.TrimStart('?') + "&" + query;
        return builder.Uri;
    }

    private async Task<Answer> SendAsync(Func<HttpRequestMessage> request, string operation, CancellationToken cancellationToken)
    {
        using var timeout = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken);
        timeout.CancelAfter(_options.RequestTimeout);
        try
        {
            using var message = request();
            using var response = await _http.SendAsync(message, HttpCompletionOption.ResponseHeadersRead, timeout.Token).ConfigureAwait(false);
            var body = await ReadBoundedAsync(response, timeout.Token).ConfigureAwait(false);
            if (response.IsSuccessStatusCode) return new Answer(response.Content.Headers.ContentType?.MediaType, body);
            var status = response.StatusCode;
            var retryable = (int)status >= 500 || status is HttpStatusCode.RequestTimeout or HttpStatusCode.TooManyRequests;
            throw new StatusException(status, Printable(body), retryable);
        }
        catch (OperationCanceledException) when (!cancellationToken.IsCancellationRequested)
        {
            throw ConnectorFailureException.Transient(UnavailableCode,
                $"The upstream SCEP CA at {_options.Url} did not answer {operation} within {_options.RequestTimeout.TotalSeconds:0.#} s.");
        }
        catch (Exception e) when (e is HttpRequestException or IOException)
        {
            throw ConnectorFailureException.Transient(UnavailableCode,
                $"The upstream SCEP CA at {_options.Url} could not be reached for {operation}: {Reason(e)}", e);
        }
    }

    private async Task<byte[]> ReadBoundedAsync(HttpResponseMessage response, CancellationToken cancellationToken)
    {
        if (response.Content.Headers.ContentLength > _options.MaxResponseBytes) throw TooLarge();
        await using var stream = await response.Content.ReadAsStreamAsync(cancellationToken).ConfigureAwait(false);
        var buffer = new MemoryStream();
        var chunk = new byte[16 * 1024];
        int read;
        while ((read = await stream.ReadAsync(chunk, cancellationToken).ConfigureAwait(false)) > 0)
        {
            if (buffer.Length + read > _options.MaxResponseBytes) throw TooLarge();
            buffer.Write(chunk, 0, read);
        }
        return buffer.ToArray();
    }

    private ConnectorFailureException TooLarge() => ConnectorFailureException.Transient(UpstreamScepCa.BadResponseCode,
        $"The upstream SCEP CA at {_options.Url} answered more than {_options.MaxResponseBytes} bytes; that is not a SCEP answer.");

    private static string Reason(Exception e) =>
        e.InnerException is SocketException s ? $"{s.SocketErrorCode} ({e.Message})" : e.Message;

    /// <summary>The start of an error page as one printable line (an upstream's text goes into messages verbatim, but bounded).</summary>
    public static string Printable(byte[] body)
    {
        var text = Encoding.UTF8.GetString(body, 0, Math.Min(body.Length, 300));
        var printable = new string(text.Select(c => char.IsControl(c) ? ' ' : c).ToArray()).Trim();
        return printable.Length == 0 ? "(empty body)" : printable + (body.Length > 300 ? "…" : "");
    }

    public void Dispose() => _http.Dispose();
}
