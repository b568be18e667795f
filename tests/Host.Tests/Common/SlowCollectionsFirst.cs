using Xunit.Abstractions;
using Xunit.Sdk;

[assembly: TestCollectionOrderer("CertConnector.Host.Tests.Common.SlowCollectionsFirst", "CertConnector.Host.Tests")]

namespace CertConnector.Host.Tests.Common;

/// <summary>
/// Starts the cluster tests' collection (one after the other, several minutes in all) first, so the rest of the suite runs
/// beside it. Started last, it ran alone at the end with a third of the two cores idle, for about ten minutes.
/// </summary>
public sealed class SlowCollectionsFirst : ITestCollectionOrderer
{
    public IEnumerable<ITestCollection> OrderTestCollections(IEnumerable<ITestCollection> testCollections) =>
        testCollections.OrderBy(c => c.DisplayName.Contains(Cluster.ConnectorCluster.Collection, StringComparison.Ordinal) ? 0 : 1)
            .ThenBy(c => c.UniqueID);
}
