using CertConnector.Host.Ca;
using CertConnector.Host.Ca.Named;
using CertConnector.Host.ConnectorKey;
using Akka.Hosting;
using CertConnector.Actors.Ports;
using CertConnector.Host.Admin;
using CertConnector.Host.Composition;
using CertConnector.Host.Configuration;
using CertConnector.Host.Metrics;
using CertConnector.Host.Probes;
using CertConnector.Host.Features;
using CertConnector.Host.Logging;
using Microsoft.AspNetCore.Server.Kestrel.Core;
using Microsoft.AspNetCore.Diagnostics;

namespace CertConnector.Host;

/// <summary>The connector service: configuration, adapters, the actor system, the admin API.</summary>
public static class ServerApp
{
    private const string EnvironmentPrefix = "CERTCONNECTOR_";

    /// <summary>
    /// Checks everything it can before creating anything, takes the data directory's lock, then runs until
    /// stopped. A problem the operator can fix is a <see cref="StartupException"/>: one line, exit code 1.
    /// </summary>
    /// <param name="features">the features to compose: <see cref="ConnectorFeatures.All"/> unless a test adds one of its own.</param>
    /// <param name="stopping">stops the connector as Ctrl-C does (for a connector run inside a test's process).</param>
    /// <param name="caTypes">the CA types <c>Connector:Cas</c> may name: <see cref="CaTypes.All"/> unless a test adds one of its own.</param>
    public static async Task<int> RunAsync(string[] args, IReadOnlyList<ConnectorFeature>? features = null, CancellationToken stopping = default,
        IReadOnlyList<CaType>? caTypes = null)
    {
        var overrides = ServerArguments.Parse(args, features ?? ConnectorFeatures.All);
        // appsettings.json in the working directory is read at start and not watched: nothing re-reads settings while the
        // connector runs, and the watch is recursive (an inotify watch for every directory under wherever it was started).
        var builder = WebApplication.CreateBuilder(new WebApplicationOptions
        {
            Args = ["--hostBuilder:reloadConfigOnChange=false"], ContentRootPath = Directory.GetCurrentDirectory(),
        });
        var settingsFile = SettingsFile.PathFrom(overrides, EnvironmentPrefix);
        if (settingsFile is not null) SettingsFile.Add(builder.Configuration, settingsFile);
        builder.Configuration.AddEnvironmentVariables(EnvironmentPrefix).AddInMemoryCollection(overrides);
        var options = ServerArguments.Bind(builder.Configuration, features ?? ConnectorFeatures.All, caTypes);
        var listen = StartupChecks.CheckSettings(options);
        await RemoteServiceComposition.CheckServiceReachableAsync(options); // remote mode: token and discovery work, before anything is created
        var startWarnings = await NamedCaComposition.CheckAtStartAsync(options.NamedCas, stopping); // e.g. an upstream CA offering only weak algorithms
        if (settingsFile is not null && SettingsFile.ReadableByOthersWarning(settingsFile) is { } exposed) startWarnings = [exposed, .. startWarnings];

        var data = new DataDirectory(options.DataDir);
        var createdDataDirectory = StartupChecks.PrepareDataDirectory(data);
        using var dataLock = DataDirectoryLock.Acquire(data);
        try
        {
            StartupChecks.CheckPortsFree(listen);
        }
        catch (StartupException)
        {
            dataLock.Dispose();
            if (createdDataDirectory) StartupChecks.TryDeleteEmpty(data.Root);
            throw;
        }

        // From here the data directory is this process's: a start that fails now is recorded in its log as 0001 too, not only on
        // the console (a service manager may not keep that).
        WebApplication? app = null;
        var started = false;
        try
        {
            builder.Services.AddSingleton(options);
            builder.Services.AddSingleton(listen);
            builder.Services.AddSingleton(new AdminToken(data.EnsureToken()));
            builder.Services.AddConnectorAdapters(options, data, data.EnsureInstanceId());
            builder.Services.AddUpdates(options, data);
            builder.Services.AddSingleton<Admin.StatusPage.StatusSignIns>();
            builder.Services.AddSingleton<RestartRequest>();
            builder.Services.AddConnectorAkka(options);
            builder.Services.AddConnectorMetrics(options);
            builder.Services.AddSingleton<Readiness>();
            // Under systemd (Type=notify): READY=1 once started, STOPPING=1 on stop, SIGTERM as a graceful stop. Elsewhere a no-op.
            // Registered before the console logger below, whose escaping formatter must stay the one the journal gets.
            builder.Services.AddSystemd();
            ListenOptions? admin = null, device = null;
            builder.WebHost.ConfigureKestrel(kestrel =>
            {
                admin = Listeners.Listen(kestrel, listen.Admin, Listeners.Admin);
                if (listen.Device is { } deviceEndpoint) device = Listeners.Listen(kestrel, deviceEndpoint, Listeners.Device);
                foreach (var feature in options.EnabledFeatures) feature.ConfigureKestrel?.Invoke(kestrel, options);
            });
            builder.Logging.ClearProviders().AddConsole(console => console.FormatterName = EscapingConsoleFormatter.Name)
                .AddConsoleFormatter<EscapingConsoleFormatter, Microsoft.Extensions.Logging.Console.ConsoleFormatterOptions>();
            builder.Logging.AddFilter("Microsoft.AspNetCore", LogLevel.Warning);
            // A failed start is reported once, as one line, by the entry point; not again with a stack trace.
            builder.Logging.AddFilter("Microsoft.Extensions.Hosting", LogLevel.None);

            app = builder.Build();
            app.UseAdminApiErrors();
            app.UseMiddleware<AdminAuthentication>();
            app.UseMiddleware<RemoteModeQueueGuard>();
            app.UseConnectorMetrics(options);
            app.MapProbeEndpoints(); // every listener, no token: what a load balancer asks
            app.MapAdminEndpoints();
            app.MapClusterEndpoints();
            app.MapLogEndpoints();
            app.MapUpdateEndpoints();
            app.MapRestartEndpoint();
            app.MapConnectorKeyEndpoints(); // the connector key's public half, for the features that decrypt with it, whichever instance is asked
            app.MapCaEndpoints(); // CRL and OCSP belong to the CA: served whichever features are on
            foreach (var feature in options.Features) feature.MapEndpoints(app);
            Admin.StatusPage.StatusPageEndpoints.MapStatusPage(app); // the status page at / and its sign-in, on the admin listener

            app.Lifetime.ApplicationStarted.Register(() =>
            {
                started = true;
                var deviceUrls = new List<string>();
                if (device is not null)
                {
                    app.Services.GetRequiredService<PublicBaseUrl>().ListenerBound(Listeners.UrlOf(device));
                    foreach (var (name, use) in options.EnabledFeatures.Where(f => f.DeviceListener is not null).Select(f => (f.Name, f.DeviceListener!)))
                    {
                        var featureUrl = Listeners.UrlOf(device) + use.Path;
                        DataDirectory.WriteWhole(data.UrlFile(use.UrlFile), featureUrl + "\n");
                        deviceUrls.Add($"{name} {featureUrl}");
                    }
                }
                foreach (var warning in startWarnings) app.Logger.LogWarning("{Warning}", warning);
                var url = Listeners.UrlOf(admin!);
                DataDirectory.WriteWhole(data.AdminUrlFile, url + "\n"); // written last: its presence means "ready"
                var cas = app.Services.GetRequiredService<CertificateAuthorities>();
                app.Logger.LogInformation("certconnector {Version} ready: admin API {Url}, devices {DeviceUrls}, data {DataDir}, CAs {Cas} (default {DefaultCa})", AdminEndpoints.Version, url,
                    deviceUrls.Count == 0 ? "(no device-facing feature)" : string.Join(", ", deviceUrls), data.Root,
                    string.Join(", ", cas.All.Select(c => $"{c.Name} ({c.Type})")), cas.Default.Name);
                // An instance enabled for a feature that needs the connector key, but without one, says so at start-up (and in status).
                var key = app.Services.GetRequiredService<CertConnector.Adapters.Crypto.ConnectorKeyHolder>();
                if (ConnectorKeyEndpoints.Warning(key, options.Roles, options.Features) is { } missing) app.Logger.LogWarning("{Warning}", missing);
                else if (key.Key is { } k) app.Logger.LogInformation("Connector key {Fingerprint} (RSA {Bits})", k.Fingerprint[..16], k.KeySize);
            });
            var restart = app.Services.GetRequiredService<RestartRequest>(); // read after the run, when the host's services are gone
            await app.RunAsync(stopping);
            if (restart.Requested) return RestartRequest.ExitCode;
        }
        catch (Exception e) when (!started && e is not OperationCanceledException)
        {
            StartupRefusal.Record(app?.Services, data, options, e);
            throw;
        }
        return 0;
    }
}
