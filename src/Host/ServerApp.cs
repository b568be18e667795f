using Akka.Hosting;
using CertConnector.Actors.Ports;
using CertConnector.Host.Admin;
using CertConnector.Host.Composition;
using CertConnector.Host.Configuration;
using CertConnector.Host.Scep;
using Microsoft.AspNetCore.Server.Kestrel.Core;
using Microsoft.AspNetCore.Diagnostics;

namespace CertConnector.Host;

/// <summary>The connector service: configuration, adapters, the actor system, the admin API.</summary>
public static class ServerApp
{
    /// <summary>Command-line switches that map onto configuration keys.</summary>
    public static readonly Dictionary<string, string> Switches = new()
    {
        ["--data-dir"] = "Connector:DataDir",
        ["--admin-url"] = "Connector:AdminUrl",
        ["--hocon"] = "Connector:Hocon",
        ["--instance"] = "Connector:Instance",
        ["--scep-url"] = "Connector:Scep:ListenUrl",
    };

    public static async Task<int> RunAsync(string[] args)
    {
        var builder = WebApplication.CreateBuilder(new WebApplicationOptions { Args = [], ContentRootPath = Directory.GetCurrentDirectory() });
        builder.Configuration.AddEnvironmentVariables("CERTCONNECTOR_").AddCommandLine(args, Switches);
        var options = builder.Configuration.GetSection(ConnectorOptions.Section).Get<ConnectorOptions>() ?? new ConnectorOptions();

        var data = new DataDirectory(options.DataDir);
        data.EnsureExists();
        builder.Services.AddSingleton(options);
        builder.Services.AddSingleton(new AdminToken(data.EnsureToken()));
        builder.Services.AddConnectorAdapters(options, data);
        builder.Services.AddConnectorAkka(options);
        ListenOptions? admin = null, scep = null;
        builder.WebHost.ConfigureKestrel(kestrel =>
        {
            admin = Listeners.Listen(kestrel, options.AdminUrl, Listeners.Admin);
            if (options.Scep.Enabled) scep = Listeners.Listen(kestrel, options.Scep.ListenUrl, Listeners.Scep);
        });
        builder.Logging.AddFilter("Microsoft.AspNetCore", LogLevel.Warning);

        var app = builder.Build();
        app.UseAdminApiErrors();
        app.UseMiddleware<AdminAuthentication>();
        app.MapAdminEndpoints();
        app.MapPkcsEndpoints();
        app.MapScepAdminEndpoints();
        app.MapScepEndpoints();

        app.Lifetime.ApplicationStarted.Register(() =>
        {
            var url = Listeners.UrlOf(admin!);
            var scepUrl = scep is null ? "(disabled)" : Listeners.UrlOf(scep) + "/scep";
            if (scep is not null) File.WriteAllText(data.ScepUrlFile, scepUrl + "\n");
            File.WriteAllText(data.AdminUrlFile, url + "\n"); // written last: its presence means "ready"
            app.Logger.LogInformation("certconnector {Version} ready: admin API {Url}, SCEP {ScepUrl}, data {DataDir}, CA {Ca}", AdminEndpoints.Version, url,
                scepUrl, data.Root, app.Services.GetRequiredService<ICertificateAuthority>().GetType().Name);
        });
        await app.RunAsync();
        return 0;
    }
}
