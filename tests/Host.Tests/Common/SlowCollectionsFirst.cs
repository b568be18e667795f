using System.Reflection;
using CertConnector.Host.Tests.Cluster;
using Xunit.Abstractions;

[assembly: TestCollectionOrderer("CertConnector.Host.Tests.Common.SlowCollectionsFirst", "CertConnector.Host.Tests")]

namespace CertConnector.Host.Tests.Common;

/// <summary>
/// Starts the long collections first: the cluster collection (its classes run one after another, about six minutes, mostly
/// waiting on failure detectors and restarts), then every class tagged Category=Slow, then the rest. In xunit's own order
/// the cluster collection came last, and the suite's last three minutes ran it alone on a machine 70-95% idle.
/// </summary>
public sealed class SlowCollectionsFirst : ITestCollectionOrderer
{
    private const string ClassCollectionPrefix = "Test collection for ";

    public IEnumerable<ITestCollection> OrderTestCollections(IEnumerable<ITestCollection> testCollections) =>
        testCollections.OrderBy(Rank); // stable: within a rank, xunit's order

    private static int Rank(ITestCollection collection)
    {
        if (collection.DisplayName == ConnectorCluster.Collection) return 0;
        return IsSlowClass(collection.DisplayName) ? 1 : 2;
    }

    /// <summary>A class's own collection, the class tagged <c>[Trait("Category", "Slow")]</c> (xunit's TraitAttribute keeps its
    /// name and value only as constructor arguments).</summary>
    private static bool IsSlowClass(string displayName)
    {
        if (!displayName.StartsWith(ClassCollectionPrefix, StringComparison.Ordinal)) return false;
        var type = typeof(SlowCollectionsFirst).Assembly.GetType(displayName[ClassCollectionPrefix.Length..]);
        return type?.GetCustomAttributesData().Any(a => a.AttributeType == typeof(TraitAttribute)
            && a.ConstructorArguments is [{ Value: "Category" }, { Value: "Slow" }]) == true;
    }
}
