using CertConnector.Actors.Cluster;
using CertConnector.Host.Ca.Named;

namespace CertConnector.Host.Tests.Ca;

/// <summary><c>cluster show</c> warns when members with one feature see different CAs: any of them may take a request for any CA.</summary>
public sealed class CaClusterWarningTests
{
    private static readonly NodeCa BuiltIn = new("builtin", "builtin", true, true);
    private static readonly NodeCa Corp = new("corp", "scep", false, true);

    [Fact]
    public void Members_of_one_feature_with_different_CA_lists_are_named_in_one_warning()
    {
        var warnings = CaStatusView.ClusterWarnings(
        [
            ("akka://a", ["pkcs", "scep"], [BuiltIn, Corp]),
            ("akka://b", ["pkcs"], [BuiltIn]),
            ("akka://c", ["scep"], [Corp with { Answered = false }, BuiltIn]), // same list, whatever the order and the last answer
        ]);

        var warning = Assert.Single(warnings);
        Assert.Contains("pkcs role see different CAs", warning);
        Assert.Contains("[builtin (builtin)] on akka://b", warning);
        Assert.Contains("[builtin (builtin), corp (scep)] on akka://a", warning);
    }

    [Fact]
    public void Members_that_did_not_answer_or_run_other_features_are_not_judged()
    {
        Assert.Empty(CaStatusView.ClusterWarnings(
        [
            ("akka://a", ["pkcs"], [BuiltIn, Corp]),
            ("akka://b", ["pkcs"], null), // did not answer, or an older version without a CA list
            ("akka://c", ["recrypt"], [BuiltIn]),
        ]));
    }
}
