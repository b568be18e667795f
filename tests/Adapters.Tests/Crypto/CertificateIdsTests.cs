using CertConnector.Adapters.Crypto;

namespace CertConnector.Adapters.Tests.Crypto;

public sealed class CertificateIdsTests
{
    [Theory]
    [InlineData("0a:1b", "0A1B")]
    [InlineData(" 00 0A 1B ", "0A1B")]
    [InlineData("0a-1b", "0A1B")]
    [InlineData("7F", "7F")]
    [InlineData("0080", "80")]
    public void Serials_in_common_hex_forms_normalize_to_one(string text, string expected) =>
        Assert.Equal(expected, CertificateIds.NormalizeSerial(text));

    [Theory]
    [InlineData("-1")]   // a negative number, not serial 01
    [InlineData(":0A")]
    [InlineData("0A:")]
    [InlineData("00")]   // serials are positive
    [InlineData("zz")]
    [InlineData("")]
    public void Anything_else_is_not_a_serial(string text) => Assert.Null(CertificateIds.NormalizeSerial(text));
}
