using Akka.Cluster;

namespace CertConnector.Actors.Cluster;

/// <summary>
/// Every member carries, beside its feature roles, the role <c>instance:&lt;id&gt;</c> naming its instance ID (the
/// ID of its data directory, which its queue leases are recorded under). A member's roles outlive it in the
/// cluster's events, so when it is removed the survivors still know whose leases to release. Sharding matches
/// roles by exact name, so the extra role never places a shard.
/// </summary>
public static class InstanceRole
{
    public const string Prefix = "instance:";

    public static string For(string instanceId)
    {
        ArgumentException.ThrowIfNullOrWhiteSpace(instanceId);
        return Prefix + instanceId;
    }

    public static bool IsInstanceRole(string role) => role.StartsWith(Prefix, StringComparison.Ordinal);

    /// <summary>The instance ID among a member's roles; null for a member without one (e.g. an older version).</summary>
    public static string? InstanceIdOf(IEnumerable<string> roles) =>
        roles.FirstOrDefault(IsInstanceRole) is { } role && role.Length > Prefix.Length ? role[Prefix.Length..] : null;

    public static string? InstanceIdOf(Member member) => InstanceIdOf(member.Roles);

    /// <summary>The roles an operator cares about: the features, without the instance role.</summary>
    public static IReadOnlyList<string> FeatureRoles(IEnumerable<string> roles) => [.. roles.Where(r => !IsInstanceRole(r))];
}
