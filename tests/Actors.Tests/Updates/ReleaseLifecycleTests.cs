using CertConnector.Actors.Updates;

namespace CertConnector.Actors.Tests.Updates;

/// <summary>The lifecycle table: a version is current until a newer one is released, supported 6 months after that, then out of support.</summary>
public sealed class ReleaseLifecycleTests
{
    private static readonly DateTimeOffset Now = new(2026, 12, 7, 12, 0, 0, TimeSpan.Zero);

    private static Release R(string version, DateTimeOffset released) => new(version, released, $"notes of {version}", $"https://example.com/certconnector_{version}.deb", new string('a', 64));

    public static TheoryData<int?, LifecycleState> Table => new()
    {
        { null, LifecycleState.Current }, // nothing newer
        { 1, LifecycleState.Superseded },
        { 7, LifecycleState.OutOfSupport },
        { 19, LifecycleState.OutOfSupport },
    };

    [Theory]
    [MemberData(nameof(Table))]
    public void State_follows_months_since_the_newer_release(int? monthsSinceNewer, LifecycleState expected)
    {
        List<Release> releases = [R("0.7.0", Now.AddMonths(-30)), R("0.8.0", Now.AddMonths(-24))];
        if (monthsSinceNewer is { } months) releases.Add(R("0.9.0", Now.AddMonths(-months)));

        var lifecycle = ReleaseLifecycle.Of("0.8.0", releases, Now);

        Assert.Equal(expected, lifecycle.State);
        if (monthsSinceNewer is { } m)
        {
            Assert.Equal("0.9.0", lifecycle.SupersededBy);
            Assert.Equal(Now.AddMonths(-m).AddMonths(6), lifecycle.SupportedUntil);
            Assert.Equal(Now.AddMonths(-m).AddMonths(18), lifecycle.MayStopWorkingAfter);
            Assert.Contains($"{lifecycle.SupportedUntil:yyyy-MM-dd}", lifecycle.Message);
            Assert.Equal(expected == LifecycleState.Superseded ? "Warning" : "Error", lifecycle.Level);
        }
        else
        {
            Assert.Null(lifecycle.SupportedUntil);
            Assert.Equal("Information", lifecycle.Level);
        }
    }

    [Fact]
    public void Out_of_support_says_when_it_may_stop_working()
    {
        var lifecycle = ReleaseLifecycle.Of("0.8.0", [R("0.8.0", Now.AddMonths(-30)), R("0.9.0", Now.AddMonths(-19))], Now);

        Assert.Contains("may stop working after " + $"{Now.AddMonths(-19).AddMonths(18):yyyy-MM-dd}", lifecycle.Message);
    }

    [Fact]
    public void The_first_newer_release_starts_the_clock_not_the_latest()
    {
        // 0.9.0 eight months ago, 0.10.0 last week: 0.8.0's support ended two months ago; 0.10.0 does not extend it.
        var lifecycle = ReleaseLifecycle.Of("0.8.0", [R("0.10.0", Now.AddDays(-7)), R("0.9.0", Now.AddMonths(-8)), R("0.8.0", Now.AddMonths(-20))], Now);

        Assert.Equal(LifecycleState.OutOfSupport, lifecycle.State);
        Assert.Equal("0.9.0", lifecycle.SupersededBy);
        Assert.Equal("0.10.0", lifecycle.Latest); // compared as numbers, not as text
    }

    [Fact]
    public void Newer_lists_only_newer_releases_newest_first()
    {
        var newer = ReleaseLifecycle.Newer("0.9.0", [R("0.8.0", Now), R("0.10.0", Now), R("0.9.1", Now), R("0.9.0", Now)]);

        Assert.Equal(["0.10.0", "0.9.1"], newer.Select(r => r.Version));
    }

    [Fact]
    public void A_pre_release_suffix_is_ignored_in_the_comparison()
    {
        Assert.Equal(LifecycleState.Current, ReleaseLifecycle.Of("0.9.0-rc1", [R("0.9.0", Now)], Now).State);
    }
}
