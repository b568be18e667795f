using Akka.Hosting;

namespace CertConnector.Actors.Health;

/// <summary>Registry key of this node's health reporter.</summary>
public sealed class HealthReporterKey;

public static class HealthHosting
{
    /// <summary>The health reporter (service-connected mode: there is a service to report to). <see cref="HealthPorts"/> comes from DI.</summary>
    public static AkkaConfigurationBuilder AddHealthReporting(this AkkaConfigurationBuilder builder) =>
        builder.WithActors((system, registry, resolver) =>
            registry.Register<HealthReporterKey>(system.ActorOf(HealthReporter.Props(resolver.GetService<HealthPorts>()), "health-reporter")));
}
