using CertConnector.Actors.Health;
using CertConnector.Actors.Ports;

namespace CertConnector.Actors.Tests.Health;

public sealed class AllCasHealthProbeTests
{
    private static readonly DateTimeOffset CaExpiry = new(2030, 1, 1, 0, 0, 0, TimeSpan.Zero);

    private sealed class FixedProbe(CaHealth health) : ICaHealthProbe
    {
        public Task<CaHealth> ProbeAsync(CancellationToken cancellationToken) => Task.FromResult(health);
    }

    private static NamedCa Ca(string name, string type, CaHealth health) => new(name, type, new ScriptedCa(), null, new FixedProbe(health));

    [Fact]
    public async Task One_CA_that_does_not_answer_makes_the_connector_unreachable_and_is_named_with_its_error()
    {
        var cas = new CertificateAuthorities([Ca("builtin", NamedCa.BuiltInType, new CaHealth(true, CaExpiry, CaExpiry.AddDays(-1))),
            Ca("corp", "scep", new CaHealth(false, null, null, "connection refused")), Ca("lab", "scep", new CaHealth(true, null, null))], "corp");

        var health = await new AllCasHealthProbe(cas).ProbeAsync(CancellationToken.None);

        Assert.False(health.Reachable);
        Assert.Equal("CA 'corp' (scep): connection refused", health.Error);
        Assert.Equal((CaExpiry, CaExpiry.AddDays(-1)), (health.CaNotAfter, health.RaNotAfter)); // the built-in CA's, though corp is the default
    }

    [Fact]
    public async Task All_CAs_answering_is_reachable_and_without_a_built_in_CA_the_default_CAs_dates_are_given()
    {
        var cas = new CertificateAuthorities([Ca("corp", "scep", new CaHealth(true, CaExpiry, null)), Ca("lab", "scep", new CaHealth(true, null, null))], "corp");

        var health = await new AllCasHealthProbe(cas).ProbeAsync(CancellationToken.None);

        Assert.Equal(new CaHealth(true, CaExpiry, null), health);
    }
}
