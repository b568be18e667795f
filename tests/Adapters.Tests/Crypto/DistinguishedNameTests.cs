using CertConnector.Actors.Common;
using CertConnector.Adapters.Crypto;

namespace CertConnector.Adapters.Tests.Crypto;

public class DistinguishedNameTests
{
    [Theory]
    [InlineData("CN=Alice", "CN=Alice")]
    [InlineData("CN=Alice, O=Contoso, C=US", "CN=Alice,O=Contoso,C=US")]
    [InlineData("CN=Alice,OU=IT,O=Contoso,L=Seattle,ST=WA,C=US", "CN=Alice,OU=IT,O=Contoso,L=Seattle,ST=WA,C=US")]
    [InlineData("CN=alice@contoso.com, E=alice@contoso.com", "CN=alice@contoso.com,E=alice@contoso.com")]
    [InlineData("CN=Smith\\, John, O=Contoso", "CN=Smith\\, John,O=Contoso")]
    [InlineData("CN=Host+SERIALNUMBER=42, DC=corp, DC=example", "CN=Host+SERIALNUMBER=42,DC=corp,DC=example")]
    [InlineData("CN=\\#1 printer", "CN=\\#1 printer")]
    [InlineData("CN=Jürgen, O=Bücher", "CN=Jürgen,O=Bücher")]
    public void Accepts_valid_names_and_round_trips(string text, string expected)
    {
        Assert.True(DistinguishedName.TryParse(text, out var name, out var error), error);
        Assert.Null(error);
        Assert.Equal(expected, DistinguishedName.ToText(name));
    }

    [Theory]
    [InlineData(null)]
    [InlineData("")]
    [InlineData("   ")]
    [InlineData("Alice")]
    [InlineData("CN")]
    [InlineData("CN=")]
    [InlineData("CN=Alice, Foo=Bar")]
    [InlineData("XYZ=1")]
    [InlineData("CN=Alice, C=USA")]
    [InlineData("CN=Alice, C=1A")]
    [InlineData("CN=Alice\n, O=x")]
    [InlineData("CN=#zz")] // BouncyCastle throws a plain Exception for a bad hex value
    [InlineData("CN=a, O=#04")]
    [InlineData("CN=#")] // parses, fails only when encoded
    [InlineData("CN=#0500")] // valid hex DER, but arbitrary ASN.1 is not a name an operator means
    [InlineData("CN=Alice\u001b[2J")]
    [InlineData("CN=Alice\u0085")]
    [InlineData("CN=Alice\u007f")]
    [InlineData("CN=Alice, E=jürgen@contoso.com")]
    [InlineData("CN=Alice, DC=bücher")]
    public void Rejects_invalid_names_with_a_message(string? text)
    {
        Assert.False(DistinguishedName.TryParse(text, out var name, out var error));
        Assert.Null(name);
        Assert.False(string.IsNullOrWhiteSpace(error));
    }

    [Fact]
    public void Parse_throws_a_final_failure()
    {
        var e = Assert.Throws<ConnectorFailureException>(() => DistinguishedName.Parse("Nope=1"));
        Assert.False(e.Retryable);
        Assert.Equal("BadSubjectName", e.Code);
    }

    [Fact]
    public void Der_order_is_most_general_first()
    {
        Assert.True(DistinguishedName.TryParse("CN=Alice, O=Contoso, C=US", out var name, out _));
        // X509Name.ToString() without reversal shows the DER order.
        Assert.Equal("C=US,O=Contoso,CN=Alice", name.ToString());
    }
}
