using System.Text;
using CertConnector.Actors.Common;
using CertConnector.Adapters.Ca.Scep;
using Microsoft.AspNetCore.Http;

namespace CertConnector.Adapters.Tests.Ca.Scep;

public sealed class UpstreamChallengeSourceTests
{
    private static UpstreamChallengeSource Command(string script, int maxBytes = 4096, double timeoutSeconds = 10) =>
        new(new UpstreamScepOptions
        {
            Url = new Uri("https://ndes.example.com/certsrv/mscep/mscep.dll"),
            ChallengeCommand = "/bin/sh",
            ChallengeArguments = ["-c", script],
            ChallengeMaxBytes = maxBytes,
            ChallengeCommandTimeout = TimeSpan.FromSeconds(timeoutSeconds),
        });

    [Fact]
    public async Task The_command_first_output_line_is_a_fresh_challenge_each_time()
    {
        using var files = new TempDirectory();
        var counter = files.File("n");
        var source = Command($"n=$(cat {counter} 2>/dev/null || echo 0); n=$((n+1)); echo $n > {counter}; printf '  challenge-%s  \\nignored\\n' $n");

        Assert.Equal("challenge-1", await source.NextAsync(CancellationToken.None));
        Assert.Equal("challenge-2", await source.NextAsync(CancellationToken.None));
    }

    [Fact]
    public async Task A_static_challenge_is_returned_and_none_is_null()
    {
        var url = new Uri("https://ndes.example.com/certsrv/mscep/mscep.dll");
        Assert.Equal("fixed", await new UpstreamChallengeSource(new UpstreamScepOptions { Url = url, Challenge = "fixed" }).NextAsync(CancellationToken.None));
        Assert.Null(await new UpstreamChallengeSource(new UpstreamScepOptions { Url = url }).NextAsync(CancellationToken.None));
    }

    [Theory]
    [InlineData("echo 'Access denied' >&2; exit 3", "exited with code 3: Access denied", 30)]
    [InlineData("head -c 100000 /dev/zero | tr '\\0' 'x'", "printed more than 64 bytes", 30)]
    [InlineData("printf '\\n'", "printed no challenge", 30)]
    [InlineData("exec sleep 30", "did not finish within 0.5 s", 0.5)]
    public async Task A_failing_runaway_or_hanging_command_is_a_retryable_failure_with_the_reason(string script, string reason, double timeoutSeconds)
    {
        var e = await Assert.ThrowsAsync<ConnectorFailureException>(() => Command(script, maxBytes: 64, timeoutSeconds).NextAsync(CancellationToken.None));

        Assert.True(e.Retryable);
        Assert.Equal(UpstreamChallengeSource.UnavailableCode, e.Code);
        Assert.Contains(reason, e.Message);
    }

    [Fact]
    public async Task A_command_that_cannot_start_says_so()
    {
        var source = new UpstreamChallengeSource(new UpstreamScepOptions
        {
            Url = new Uri("https://ndes.example.com/certsrv/mscep/mscep.dll"),
            ChallengeCommand = "/nonexistent/get-challenge",
        });

        var e = await Assert.ThrowsAsync<ConnectorFailureException>(() => source.NextAsync(CancellationToken.None));

        Assert.Contains("could not be started", e.Message);
    }

    /// <summary>NDES's mscep_admin page as Windows serves it: UTF-16LE HTML, a new challenge per visit.</summary>
    private const string MscepAdminPage =
        "<HTML><Head><Meta HTTP-Equiv=\"Content-Type\" Content=\"text/html; charset=UTF-16\"><Title>Network Device Enrollment Service</Title></Head>\r\n" +
        "<P> To complete certificate enrollment for your network device you will need the following information: <P> The thumbprint (hash value) " +
        "for the CA certificate is: <B> 5C1F0E2A4B2E1F2D3C4B5A69788796A5 </B> <P> The enrollment challenge password is: <B> {0} </B> <P> This " +
        "password can be used only once and will expire within 60 minutes. <P> Each enrollment requires a new challenge password.</P></Body></HTML>\r\n";

    [Fact]
    public async Task The_readme_NDES_command_reads_the_one_time_challenge_from_mscep_admin_with_curl()
    {
        var visits = 0;
        string? authorization = null;
        await using var ndes = new FakeScepUpstream(async c =>
        {
            authorization ??= c.Request.Headers.Authorization.ToString();
            var page = string.Format(MscepAdminPage, Interlocked.Increment(ref visits) == 1 ? "0CA6A4D2F37B2E18" : "7D3E9A01BC45F622");
            c.Response.ContentType = "text/html; charset=utf-16";
            await c.Response.Body.WriteAsync(Encoding.Unicode.GetBytes(page));
        });
        using var files = new TempDirectory();
        File.WriteAllText(files.File("ndes.netrc"), "machine 127.0.0.1 login EXAMPLE\\svc-certconnector password not-a-real-one\n");
        // The README's script, with the test's host and netrc path.
        File.WriteAllText(files.File("ndes-challenge.sh"), $$"""
            #!/bin/bash
            set -euo pipefail
            curl --silent --show-error --fail --ntlm --netrc-file {{files.File("ndes.netrc")}} \
                 http://127.0.0.1:{{ndes.Port}}/certsrv/mscep_admin/ \
              | iconv -f UTF-16LE -t UTF-8 \
              | sed -n 's/.*challenge password is: *<B> *\([0-9A-Fa-f]*\) *<\/B>.*/\1/p'
            """);
        var source = new UpstreamChallengeSource(new UpstreamScepOptions
        {
            Url = new Uri($"http://127.0.0.1:{ndes.Port}/certsrv/mscep/mscep.dll"),
            ChallengeCommand = "/bin/bash",
            ChallengeArguments = [files.File("ndes-challenge.sh")],
        });

        Assert.Equal("0CA6A4D2F37B2E18", await source.NextAsync(CancellationToken.None));
        Assert.Equal("7D3E9A01BC45F622", await source.NextAsync(CancellationToken.None));
        Assert.StartsWith("NTLM ", authorization); // curl offered NTLM with the netrc account
    }
}
