using System.Text.Json;
using Akka.Configuration;
using CertConnector.Actors.Cluster;

namespace CertConnector.Host.Composition;

/// <summary>The cluster side of the instance ID: the role every member carries (<see cref="InstanceRole"/>).</summary>
public static class InstanceRoles
{
    /// <summary>
    /// <paramref name="config"/> with <c>instance:&lt;id&gt;</c> added to the roles it sets (the feature roles, or
    /// whatever the operator's HOCON put there). Role names are plain strings to Akka; the ID is quoted as HOCON.
    /// </summary>
    public static Config WithInstanceRole(Config config, string instanceId)
    {
        var roles = config.GetStringList("akka.cluster.roles", []).Where(r => !InstanceRole.IsInstanceRole(r)).Append(InstanceRole.For(instanceId));
        return ConfigurationFactory.ParseString($"akka.cluster.roles = [{string.Join(", ", roles.Select(r => JsonSerializer.Serialize(r)))}]")
            .WithFallback(config);
    }
}
