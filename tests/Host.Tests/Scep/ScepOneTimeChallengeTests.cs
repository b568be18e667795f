using CertConnector.Adapters.Scep;
using CertConnector.Adapters.Scep.Client;
using CertConnector.Actors.Scep;

namespace CertConnector.Host.Tests.Scep;

/// <summary>A challenge yields at most one certificate, whatever transaction ID, key or signer presents it again.</summary>
[Trait("Category", "Interop")]
public sealed class ScepOneTimeChallengeTests(ScepConnector connector) : IClassFixture<ScepConnector>
{
    private const string Subject = "CN=one-time-attack";

    [Fact]
    public async Task A_spent_challenge_gives_no_second_certificate_and_a_retransmission_gets_the_first()
    {
        var challenge = connector.Challenge(Subject, ttl: "8s");
        var expires = DateTime.UtcNow.AddSeconds(8);
        var t1 = new PkiMessageOptions { TransactionId = "T1-" + Guid.NewGuid().ToString("N") };

        // 1. T1 with K1: SUCCESS.
        var k1 = ScepHttpClient.NewKey();
        var s1 = ScepClient.SelfSigned(k1, Subject);
        var csr1 = ScepClient.CreateCsr(k1, Subject, challenge);
        var message1 = connector.Http.Client.PkcsReq(csr1, s1, k1.Private, t1);
        var first = connector.Http.Decode((await connector.Http.PostAsync(message1.Bytes)).Body, s1, k1);
        Assert.Equal(ScepPkiStatus.Success, first.Status);

        // 2. The same T1 and challenge with a new key K3: refused.
        AssertRefused(await EnrollWithNewKeyAsync(challenge, t1));

        // 3. After the TTL, with K4: refused.
        while (DateTime.UtcNow < expires.AddSeconds(1)) await Task.Delay(200); // the real clock must pass the challenge's expiry
        AssertRefused(await EnrollWithNewKeyAsync(challenge, t1));

        // 4. A retransmission of T1 + K1 after the TTL: the same certificate, and signed by a new throw-away key
        //    (a new request actor, as scepclient's re-run) still the same certificate, not a second one.
        var again = connector.Http.Decode((await connector.Http.PostAsync(message1.Bytes)).Body, s1, k1);
        Assert.Equal((ScepPkiStatus.Success, first.Certificates[0].SerialNumber), (again.Status, again.Certificates[0].SerialNumber));
        var k5 = ScepHttpClient.NewKey();
        var resigned = await connector.Http.EnrollAsync(k5, ScepClient.SelfSigned(k5, Subject), csr1, t1);
        Assert.Equal((ScepPkiStatus.Success, first.Certificates[0].SerialNumber), (resigned.Status, resigned.Certificates[0].SerialNumber));

        connector.Process.WaitUntil(() => ConnectorLogs.Events(connector.Process.DataDir, 4005, t1.TransactionId!)
            .Count(e => e.GetProperty("message").GetString()!.Contains("ChallengeAlreadyUsed")) == 2, TimeSpan.FromSeconds(10), "4005 for both refusals");
    }

    private async Task<CertRepResult> EnrollWithNewKeyAsync(string challenge, PkiMessageOptions options)
    {
        var key = ScepHttpClient.NewKey();
        return await connector.Http.EnrollAsync(key, ScepClient.SelfSigned(key, Subject), ScepClient.CreateCsr(key, Subject, challenge), options);
    }

    private static void AssertRefused(CertRepResult reply)
    {
        Assert.Equal((ScepPkiStatus.Failure, ScepFailInfo.BadRequest), (reply.Status, reply.FailInfo));
        Assert.Empty(reply.Certificates);
    }
}
