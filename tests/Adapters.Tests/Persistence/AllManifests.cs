using System.Reflection;
using CertConnector.Actors.Common;
using CertConnector.Adapters.Persistence;

namespace CertConnector.Adapters.Tests.Persistence;

/// <summary>
/// Every feature's manifest table in the actors assembly (each <c>*Manifests.Table</c>), as the host passes them to
/// <see cref="ConnectorJsonSerializer"/> from its feature list; found by name here, so a new feature's table is covered without
/// a list to keep (the host test <c>FeatureModuleTests</c> checks that the host's feature list carries every one of them).
/// </summary>
public static class AllManifests
{
    public static IReadOnlyList<IReadOnlyDictionary<string, Type>> FeatureTables { get; } =
    [
        .. typeof(CommonManifests).Assembly.GetTypes()
            .Where(t => t is { IsAbstract: true, IsSealed: true } && t.Name.EndsWith("Manifests", StringComparison.Ordinal))
            .Select(t => (IReadOnlyDictionary<string, Type>)t.GetProperty("Table", BindingFlags.Public | BindingFlags.Static)!.GetValue(null)!)
            .Where(table => !ConnectorJsonSerializer.SharedTables.Contains(table)),
    ];

    /// <summary>Every type the host's serializer knows, by manifest.</summary>
    public static IReadOnlyDictionary<string, Type> KnownTypes { get; } =
        new ConnectorJsonSerializer(null!, null, FeatureTables).KnownTypes;
}
