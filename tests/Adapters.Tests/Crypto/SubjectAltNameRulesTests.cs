using CertConnector.Actors.Common;
using CertConnector.Adapters.Crypto;

namespace CertConnector.Adapters.Tests.Crypto;

public class SubjectAltNameRulesTests
{
    [Theory]
    [InlineData("dns:host.example.com", "dns", "host.example.com")]
    [InlineData("DNS: *.example.com ", "dns", "*.example.com")]
    [InlineData("dns:localhost", "dns", "localhost")]
    [InlineData("dns:xn--bcher-kva.example", "dns", "xn--bcher-kva.example")]
    [InlineData("ip:192.0.2.1", "ip", "192.0.2.1")]
    [InlineData("ip:2001:db8::1", "ip", "2001:db8::1")]
    [InlineData("ip:::1", "ip", "::1")]
    [InlineData("email:alice.o'hara+tag@contoso.com", "email", "alice.o'hara+tag@contoso.com")]
    [InlineData("uri:https://contoso.com/devices/42", "uri", "https://contoso.com/devices/42")]
    [InlineData("uri:urn:uuid:6e8bc430-9c3a-11d9-9669-0800200c9a66", "uri", "urn:uuid:6e8bc430-9c3a-11d9-9669-0800200c9a66")]
    [InlineData("upn:alice@contoso.com", "upn", "alice@contoso.com")]
    [InlineData("upn:jürgen@contoso.com", "upn", "jürgen@contoso.com")]
    public void Accepts_valid_names(string text, string type, string value)
    {
        Assert.True(SubjectAltNameRules.TryParse(text, out var san, out var error), error);
        Assert.Equal(new SubjectAltName(type, value), san);
        Assert.NotNull(SubjectAltNames.ToGeneralName(san)); // what is accepted can be encoded
    }

    public static TheoryData<string?> Invalid => new()
    {
        null, "", "dns", "dns:", "fax:123",
        "ip:300.1.1.1", "ip:1.2.3", "ip:1", "ip:0x7f.0.0.1", "ip:010.0.0.1", "ip:fe80::1%eth0", "ip:host.example.com",
        "dns:a b/c", "dns:-host.example.com", "dns:host-.example.com", "dns:host..example.com", "dns:host.example.com.",
        "dns:a.*.example.com", "dns:*", "dns:under_score.example.com", "dns:bücher.example", "dns:10.0.0.1",
        "dns:" + new string('a', 64) + ".example.com", "dns:" + string.Join('.', Enumerable.Repeat(new string('a', 60), 5)),
        "dns:" + new string('a', 10_000),
        "email:nope", "email:@contoso.com", "email:alice@", "email:a@b@c.com", "email:al ice@contoso.com", "email:.alice@contoso.com",
        "email:alice@contoso..com", "email:jürgen@contoso.com",
        "uri:foo", "uri:/relative/path", "uri:https://exa mple.com", "uri:1http://x",
        "upn:alice", "upn:alice@", "upn:@contoso.com", "upn:al ice@contoso.com", "upn:alice\0@contoso.com", "upn:alice@contoso\0.com",
        "dns:host.example.com\n", "email:alice@contoso.com\r\nX: y", "dns:host\u001b[31m.example.com", "uri:https://x.example/\u0085",
        "upn:" + new string('a', 1100) + "@contoso.com",
    };

    [Theory]
    [MemberData(nameof(Invalid))]
    public void Refuses_invalid_names_with_a_message(string? text)
    {
        Assert.False(SubjectAltNameRules.TryParse(text, out var san, out var error));
        Assert.Null(san);
        Assert.False(string.IsNullOrWhiteSpace(error));
    }

    [Theory]
    [InlineData("ip", "300.1.1.1")]
    [InlineData("dns", "a b/c")]
    [InlineData("upn", "alice\0@contoso.com")]
    public void The_certificate_builder_refuses_what_the_api_refuses(string type, string value)
    {
        var san = new SubjectAltName(type, value);
        Assert.NotNull(SubjectAltNameRules.Validate(san));
        var e = Assert.Throws<ConnectorFailureException>(() => SubjectAltNames.ToGeneralName(san));
        Assert.Equal("BadSubjectAlternativeName", e.Code);
    }

    [Fact]
    public void The_error_says_which_rule_was_broken()
    {
        Assert.False(SubjectAltNameRules.TryParse("dns:" + new string('a', 300), out _, out var tooLong));
        Assert.Contains("253", tooLong);
        Assert.False(SubjectAltNameRules.TryParse("dns:10.1.2.3", out _, out var looksLikeIp));
        Assert.Contains("ip:10.1.2.3", looksLikeIp);
        Assert.False(SubjectAltNameRules.TryParse("upn:a\0b@c.com", out _, out var control));
        Assert.Contains("control characters", control);
    }
}
