using System.Net;
using Microsoft.AspNetCore.Connections.Features;
using Microsoft.AspNetCore.Server.Kestrel.Core;

namespace CertConnector.Host.Configuration;

/// <summary>
/// One Kestrel, two listeners: the admin API (loopback by default, token required) and the device-facing
/// listener (SCEP, CRL, OCSP: what devices reach). Each connection is tagged with its listener, and each route
/// only answers on its own, so opening the device port never exposes the admin API.
/// </summary>
public static class Listeners
{
    public const string Admin = "admin";
    public const string Device = "device";
    private const string Key = "certconnector.listener";

    /// <summary>
    /// The address and port of a listener URL, or a <see cref="StartupException"/> naming the setting to fix.
    /// Only plain http on an IP address (or localhost, or * / 0.0.0.0 for all): TLS belongs in a reverse proxy.
    /// </summary>
    public static IPEndPoint Endpoint(string url, string name, string setting)
    {
        if (!Uri.TryCreate(url, UriKind.Absolute, out var uri) || uri.Scheme != Uri.UriSchemeHttp || uri.AbsolutePath != "/" || uri.Query.Length > 0)
            throw new StartupException($"The {name} listener URL '{url}' must look like http://127.0.0.1:5080 (plain http on an address; put TLS in front with a reverse proxy). Set {setting}.");
        var address = uri.Host switch
        {
            "localhost" => IPAddress.Loopback,
            "*" or "+" or "0.0.0.0" => IPAddress.Any,
            var host when IPAddress.TryParse(host.Trim('[', ']'), out var ip) => ip,
            var host => throw new StartupException($"The {name} listener URL '{url}' names the host '{host}'; use an IP address of this machine, localhost or 0.0.0.0. Set {setting}."),
        };
        return new IPEndPoint(address, uri.Port);
    }

    public static ListenOptions Listen(KestrelServerOptions kestrel, IPEndPoint endpoint, string name)
    {
        ListenOptions? bound = null;
        kestrel.Listen(endpoint, options =>
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
