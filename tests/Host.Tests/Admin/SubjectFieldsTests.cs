using CertConnector.Host.Admin;
using CertConnector.Host.Configuration;
using Microsoft.Extensions.Configuration;

namespace CertConnector.Host.Tests.Admin;

/// <summary>The SAN limit is an operator setting, and the one check both admin endpoints use enforces it.</summary>
public sealed class SubjectFieldsTests
{
    [Fact]
    public void The_san_limit_binds_from_configuration_and_defaults_to_50()
    {
        Assert.Equal(50, new ConnectorOptions().Admin.MaxSubjectAltNames);
        var options = new ConfigurationBuilder()
            .AddInMemoryCollection(new Dictionary<string, string?> { ["Connector:Admin:MaxSubjectAltNames"] = "2" })
            .Build().GetSection(ConnectorOptions.Section).Get<ConnectorOptions>()!;
        Assert.Equal(2, options.Admin.MaxSubjectAltNames);
    }

    [Fact]
    public void The_configured_count_is_admitted_and_one_more_is_refused_naming_sans()
    {
        var limit = new AdminOptions { MaxSubjectAltNames = 2 };
        Assert.Null(SubjectFields.Check("CN=x", ["dns:a.example.com", "ip:192.0.2.1"], limit, out var sans));
        Assert.Equal(2, sans.Count);

        var error = SubjectFields.Check("CN=x", ["dns:a.example.com", "ip:192.0.2.1", "email:x@example.com"], limit, out _);
        Assert.Equal("sans", error?.Field);
        Assert.Contains("Connector:Admin:MaxSubjectAltNames", error!.Error);
    }

    [Theory]
    [InlineData("CN=#zz", null, "subject")]
    [InlineData("CN=x", "ip:300.1.1.1", "sans")]
    [InlineData("CN=x", null, null)]
    public void Subject_and_sans_are_checked_with_the_field_named(string subject, string? san, string? field) =>
        Assert.Equal(field, SubjectFields.Check(subject, san is null ? [] : [san], new AdminOptions(), out _)?.Field);
}
