using System.Net;
using Microsoft.AspNetCore.Connections.Features;
using Microsoft.AspNetCore.Server.Kestrel.Core;

namespace CertConnector.Host.Configuration;

/// <summary>
/// One Kestrel, two listeners: the admin API (loopback by default, token required) and the SCEP service
/// (what devices reach). Each connection is tagged with its listener, and each route only answers on
/// its own, so opening the SCEP port to devices never exposes the admin API.
/// </summary>
public static class Listeners
{
    public const string Admin = "admin";
    public const string Scep = "scep";
    private const string Key = "certconnector.listener";

    public static ListenOptions Listen(KestrelServerOptions kestrel, string url, string name)
    {
        if (!Uri.TryCreate(url, UriKind.Absolute, out var uri) || uri.Scheme != Uri.UriSchemeHttp)
            throw new InvalidOperationException($"The {name} listener URL '{url}' must look like http://127.0.0.1:5080 (put TLS in front with a reverse proxy).");
        var address = uri.Host switch
        {
            "localhost" => IPAddress.Loopback,
            "*" or "+" or "0.0.0.0" => IPAddress.Any,
            var host when IPAddress.TryParse(host.Trim('[', ']'), out var ip) => ip,
            var host => throw new InvalidOperationException($"The {name} listener host '{host}' must be an IP address, localhost or 0.0.0.0."),
        };
        ListenOptions? bound = null;
        kestrel.Listen(address, uri.Port, options =>
        {
            bound = options;
            options.Use(next => connection =>
            {
                connection.Items[Key] = name;
                return next(connection);
            });
        });
        return bound!;
    }

    public static string? Of(HttpContext context) =>
        context.Features.Get<IConnectionItemsFeature>()?.Items.TryGetValue(Key, out var name) == true ? name as string : null;

    /// <summary>The route answers 404 on any other listener.</summary>
    public static TBuilder RequireListener<TBuilder>(this TBuilder builder, string name) where TBuilder : IEndpointConventionBuilder =>
        builder.AddEndpointFilter(async (context, next) =>
            Of(context.HttpContext) == name ? await next(context) : Results.NotFound());

    /// <summary>The URL a listener actually got (port 0 resolved), for the CLI and tests.</summary>
    public static string UrlOf(ListenOptions options) =>
        $"http://{(options.IPEndPoint!.Address.Equals(IPAddress.Any) ? "127.0.0.1" : options.IPEndPoint.Address.ToString())}:{options.IPEndPoint.Port}";
}
