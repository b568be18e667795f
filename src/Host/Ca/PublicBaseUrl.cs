using CertConnector.Host.Configuration;

namespace CertConnector.Host.Ca;

/// <summary>
/// The base URL put into issued certificates (CDP, AIA OCSP). With a configured <see cref="CaPublishingOptions.PublicBaseUrl"/>
/// or a fixed device-facing port it is known at start; with port 0 only once Kestrel has bound, so until then
/// <see cref="Get"/> waits (briefly) for <see cref="ListenerBound"/> rather than issue a certificate without the URLs.
/// </summary>
public sealed class PublicBaseUrl
{
    private static readonly TimeSpan WaitForListener = TimeSpan.FromSeconds(30);
    private readonly TaskCompletionSource<string?> _bound = new(TaskCreationOptions.RunContinuationsAsynchronously);

    public PublicBaseUrl(CaPublishingOptions revocation, ListenPlan listen)
    {
        if (revocation.PublicBaseUrl is { Length: > 0 } configured) _bound.SetResult(configured.TrimEnd('/'));
        else if (listen.Device is null) _bound.SetResult(null); // no device-facing listener: nothing to point at
        else if (listen.Device is { Port: > 0 } endpoint) _bound.SetResult(OriginOf(endpoint));
    }

    /// <summary>The device-facing listener's actual URL (port 0 resolved); the first call wins.</summary>
    public void ListenerBound(string listenerUrl) => _bound.TrySetResult(listenerUrl.TrimEnd('/'));

    public string? Get() => _bound.Task.Wait(WaitForListener) ? _bound.Task.Result : null;

    private static string OriginOf(System.Net.IPEndPoint endpoint) =>
        endpoint.Address.Equals(System.Net.IPAddress.Any) ? $"http://127.0.0.1:{endpoint.Port}"
        : endpoint.AddressFamily == System.Net.Sockets.AddressFamily.InterNetworkV6 ? $"http://[{endpoint.Address}]:{endpoint.Port}"
        : $"http://{endpoint.Address}:{endpoint.Port}";

    /// <summary>Absolute http(s) URL with nothing after the path: refused at start otherwise, naming the setting.</summary>
    public static void Check(CaPublishingOptions options)
    {
        if (options.PublicBaseUrl is not { Length: > 0 } url) return;
        if (!Uri.TryCreate(url, UriKind.Absolute, out var uri) || (uri.Scheme != Uri.UriSchemeHttp && uri.Scheme != Uri.UriSchemeHttps)
            || uri.Query.Length > 0 || uri.Fragment.Length > 0 || url.Any(char.IsWhiteSpace))
            throw new StartupException($"Connector:Publishing:PublicBaseUrl '{url}' must be an absolute http(s) URL such as http://pki.example.com:8080.");
    }
}
