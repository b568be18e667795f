using CertConnector.Host.Configuration;
using CertConnector.Host.Features;
using Microsoft.Extensions.Configuration;

namespace CertConnector.Host.Tests.Ca;

/// <summary><c>Connector:Cas</c>: named CAs bind per type, and every mistake is one start-up line with a suggestion.</summary>
public sealed class NamedCaSettingsTests
{
    private static ConnectorOptions Bind(params string[] args) =>
        ServerArguments.Bind(new ConfigurationBuilder().AddInMemoryCollection(ServerArguments.Parse(args)).Build(), ConnectorFeatures.All, TestCaType.WithTest);

    [Fact]
    public void With_no_setting_there_is_one_CA_the_built_in_one_named_builtin()
    {
        var cas = Bind().NamedCas;
        var only = Assert.Single(cas.Entries);
        Assert.Equal(("builtin", "builtin", "builtin"), (only.Name, only.Type.Name, cas.DefaultName));
        Assert.Equal("CN=Mine", Bind("--Connector:Ca:SubjectName=CN=Mine").Ca.SubjectName); // Connector:Ca stays the built-in CA's settings
    }

    [Fact]
    public void CAs_bind_by_name_with_their_types_settings_and_the_default()
    {
        var cas = Bind("--Connector:Cas:builtin:Type=builtin", "--Connector:Cas:corp:Type=TEST", "--Connector:Cas:corp:Subject=CN=Corp",
            "--Connector:Cas:corp:ValidityDays=7", "--Connector:Cas:Default=CORP").NamedCas;

        Assert.Equal(["builtin", "corp"], cas.Entries.Select(e => e.Name));
        Assert.Equal("corp", cas.DefaultName); // spelled as the entry is
        var corp = Assert.IsType<TestCaSettings>(cas.Entries[1].Settings);
        Assert.Equal(("CN=Corp", 7), (corp.Subject, corp.ValidityDays));
        Assert.Same(TestCaType.Definition, cas.Entries[1].Type);
    }

    [Fact]
    public void The_only_CA_configured_is_the_default()
    {
        var cas = Bind("--Connector:Cas:corp:Type=test").NamedCas;
        Assert.Equal("corp", Assert.Single(cas.Entries).Name);
        Assert.Equal("corp", cas.DefaultName);
    }

    [Theory]
    [InlineData("Connector:Cas:corp:Type 'scap' is not a CA type. Did you mean 'scep'? Types: builtin, scep, test.", "--Connector:Cas:corp:Type=scap")]
    [InlineData("Connector:Cas:corp:Type 'tset' is not a CA type. Did you mean 'test'? Types: builtin, scep, test.", "--Connector:Cas:corp:Type=tset")]
    [InlineData("Unknown setting 'Connector:Cas:corp:Subjekt' (a CA of type test). Did you mean 'Connector:Cas:corp:Subject'?",
        "--Connector:Cas:corp:Type=test", "--Connector:Cas:corp:Subjekt=CN=x")]
    [InlineData("Unknown setting 'Connector:Cas:corp:Subject' (a CA of type builtin).", "--Connector:Cas:corp:Type=builtin", "--Connector:Cas:corp:Subject=CN=x")]
    [InlineData("Unknown setting 'Connector:Cas:corp:Typ'. Did you mean 'Connector:Cas:corp:Type'?", "--Connector:Cas:corp:Typ=test")]
    [InlineData("Connector:Cas:corp:Type is not set", "--Connector:Cas:corp:Subject=CN=x")]
    [InlineData("Connector:Cas:corp:ValidityDays must be greater than zero", "--Connector:Cas:corp:Type=test", "--Connector:Cas:corp:ValidityDays=0")]
    [InlineData("'lots' is not a valid value", "--Connector:Cas:corp:Type=test", "--Connector:Cas:corp:ValidityDays=lots")]
    [InlineData("Connector:Cas:corp:Subject is empty", "--Connector:Cas:corp:Type=test", "--Connector:Cas:corp:Subject=")]
    [InlineData("Connector:Cas:Default 'crop' names no configured CA. Did you mean 'corp'?", "--Connector:Cas:corp:Type=test", "--Connector:Cas:Default=crop")]
    [InlineData("Several CAs are configured (a, b): set Connector:Cas:Default", "--Connector:Cas:a:Type=test", "--Connector:Cas:b:Type=test")]
    [InlineData("are both of type builtin", "--Connector:Cas:a:Type=builtin", "--Connector:Cas:b:Type=builtin", "--Connector:Cas:Default=a")]
    [InlineData("Unknown setting 'Connector:Cass'.", "--Connector:Cass=x")]
    [InlineData("Connector:Cas takes CAs by name", "--Connector:Cas=corp")]
    public void Mistakes_are_one_line_with_a_suggestion(string expected, params string[] args)
    {
        var e = Assert.Throws<StartupException>(() => Bind(args));
        Assert.Contains(expected, e.Message);
        Assert.DoesNotContain('\n', e.Message);
    }
}
