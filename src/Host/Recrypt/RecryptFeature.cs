using Akka.Hosting;
using CertConnector.Actors.Logging;
using CertConnector.Actors.Ports;
using CertConnector.Actors.Recrypt;
using CertConnector.Adapters.Service.Standalone;
using CertConnector.Host.Admin;
using CertConnector.Host.Composition;
using CertConnector.Host.Configuration;
using CertConnector.Host.Features;

namespace CertConnector.Host.Recrypt;

/// <summary>The recrypt feature as the host composes it (CLI and API name <c>recrypt</c>, role <c>recrypt</c>).</summary>
public static class RecryptFeature
{
    public static ConnectorFeature Definition { get; } = new("recrypt", RecryptHosting.Role, RecryptHosting.ShardTypeName, o => o.Recrypt.Enabled, AddServices,
        (akka, options) => akka.AddRecryptFeature(options.Recrypt), app => app.MapRecryptEndpoints(), RecryptCommands.Build);

    private static void AddServices(IServiceCollection services, ConnectorOptions options)
    {
        services.AddSingleton(sp => AdapterComposition.Initialized(new StandaloneRecryptQueue(sp.GetRequiredService<StandaloneDatabase>(),
            options.Standalone.LeaseDuration, sp.GetRequiredService<StandaloneInstance>().Id, sp.GetRequiredService<TimeProvider>()), q => q.InitializeAsync()));
        services.AddSingleton<IRecryptService>(sp => sp.GetRequiredService<StandaloneRecryptQueue>());
        services.AddSingleton<IStandaloneRequestList>(sp => sp.GetRequiredService<StandaloneRecryptQueue>());
        services.AddSingleton(sp => new RecryptPorts(
            sp.GetRequiredService<IConnectorKeyCipher>(),
            sp.GetRequiredService<IRecryptService>(),
            sp.GetRequiredService<IConnectorEventLog>(),
            options.Recrypt));
        services.AddSingleton(sp => new FeatureRequestRegion("recrypt", RecryptHosting.Role, () => sp.GetRequiredService<IRequiredActor<RecryptRequestRegion>>().ActorRef,
            RecryptRequestActor.PersistenceIdOf, id => $"/api/v1/recrypt/requests/{Uri.EscapeDataString(id)}"));
    }
}
