using System.Text.Json;
using CertConnector.Actors.Common;

namespace CertConnector.Adapters.Service.Remote;

/// <summary>
/// Reads what the service answers without trusting it: a body larger than its cap is refused (at once when
/// Content-Length says so, else as soon as the cap is passed), and JSON may nest only <see cref="MaxDepth"/> deep,
/// so a broken or hostile service costs one failed attempt, never the connector's memory or stack.
/// </summary>
public static class ServiceAnswers
{
    /// <summary>Deeper than any answer of the service (docs/DESIGN.md §8) needs; far below what could exhaust a stack.</summary>
    public const int MaxDepth = 16;

    /// <summary>How much of an error answer is read for its excerpt in the failure event.</summary>
    private const int ErrorExcerptBytes = 4096;

    public static JsonDocumentOptions DocumentOptions { get; } = new() { MaxDepth = MaxDepth };

    /// <summary>The whole body, at most <paramref name="cap"/> bytes, or a transient <see cref="ServiceFailureCodes.BadAnswer"/> failure.</summary>
    public static async Task<byte[]> ReadAsync(HttpResponseMessage response, long cap, string what, CancellationToken cancellationToken)
    {
        if (response.Content.Headers.ContentLength is { } declared && declared > cap) throw TooLarge(what, cap, $"it announces {declared} bytes");
        await using var body = await response.Content.ReadAsStreamAsync(cancellationToken).ConfigureAwait(false);
        var read = await ReadUpToAsync(body, cap + 1, cancellationToken).ConfigureAwait(false);
        if (read.Length > cap) throw TooLarge(what, cap, "it goes on past that");
        return read;
    }

    /// <summary>The start of an error answer, for the failure event; the rest is never read.</summary>
    public static async Task<string> ExcerptAsync(HttpResponseMessage response, CancellationToken cancellationToken)
    {
        await using var body = await response.Content.ReadAsStreamAsync(cancellationToken).ConfigureAwait(false);
        var read = await ReadUpToAsync(body, ErrorExcerptBytes, cancellationToken).ConfigureAwait(false);
        return System.Text.Encoding.UTF8.GetString(read);
    }

    private static async Task<byte[]> ReadUpToAsync(Stream body, long limit, CancellationToken cancellationToken)
    {
        using var buffer = new MemoryStream();
        var chunk = new byte[16 * 1024];
        while (buffer.Length < limit)
        {
            var n = await body.ReadAsync(chunk.AsMemory(0, (int)Math.Min(chunk.Length, limit - buffer.Length)), cancellationToken).ConfigureAwait(false);
            if (n == 0) break;
            buffer.Write(chunk, 0, n);
        }
        return buffer.ToArray();
    }

    private static ConnectorFailureException TooLarge(string what, long cap, string why) =>
        ConnectorFailureException.Transient(ServiceFailureCodes.BadAnswer, $"The answer of {what} is refused: it is larger than {cap} bytes ({why}).");

    /// <summary>A 3xx is never followed (the handler does not redirect): the token and keys go only where they were configured or discovered to go.</summary>
    public static string RedirectNote(HttpResponseMessage response) =>
        (int)response.StatusCode is >= 300 and < 400
            ? $" (a redirect{(response.Headers.Location is { } to ? " to " + (to.IsAbsoluteUri ? to.GetLeftPart(UriPartial.Authority) : "a relative location") : "")}; redirects are not followed)"
            : "";
}
