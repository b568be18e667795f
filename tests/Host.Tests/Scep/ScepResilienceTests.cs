using CertConnector.Adapters.Scep;
using CertConnector.Adapters.Scep.Client;

namespace CertConnector.Host.Tests.Scep;

[Trait("Category", "Slow")]
public sealed class ScepResilienceTests
{
    [Fact]
    public async Task Thousands_of_mutated_messages_never_yield_a_500_and_the_host_still_enrolls()
    {
        using var connector = new ScepConnector();
        var key = ScepHttpClient.NewKey();
        var signer = ScepClient.SelfSigned(key, "CN=fuzz");
        var valid = connector.Http.Client.PkcsReq(ScepClient.CreateCsr(key, "CN=fuzz", "fuzz-challenge"), signer, key.Private).Bytes;
        var random = new Random(8894);
        var statuses = new Dictionary<int, int>();
        for (var i = 0; i < 2000; i++)
        {
            var mutated = Mutate(valid, random);
            var (status, _) = i % 4 == 0 ? await connector.Http.GetAsync(mutated) : await connector.Http.PostAsync(mutated);
            statuses[status] = statuses.GetValueOrDefault(status) + 1;
            Assert.True(status is 200 or 400 or 413, $"mutation {i} got HTTP {status}");
        }
        Assert.True(statuses.GetValueOrDefault(400) > 0 && statuses.GetValueOrDefault(200) > 0, string.Join(", ", statuses));
        Assert.False(connector.Process.HasExited);

        var good = ScepHttpClient.NewKey();
        var goodSigner = ScepClient.SelfSigned(good, "CN=after-fuzz");
        var reply = await connector.Http.EnrollAsync(good, goodSigner, ScepClient.CreateCsr(good, "CN=after-fuzz", connector.Challenge("CN=after-fuzz")));
        Assert.Equal(ScepPkiStatus.Success, reply.Status);
    }

    [Fact]
    public async Task Issuance_beyond_the_response_budget_is_pending_then_CertPoll_delivers()
    {
        var dir = Tools.TempDir("scep-pending");
        using var process = ConnectorProcess.Start(Path.Combine(dir, "data"), new Dictionary<string, string> { ["Scep:ResponseBudget"] = "00:00:00.001" });
        using var http = new ScepHttpClient(process.ScepUrl);
        var minted = process.Cli("scep", "challenge", "--subject", "CN=slow");
        var key = ScepHttpClient.NewKey();
        var signer = ScepClient.SelfSigned(key, "CN=slow");

        var first = await http.EnrollAsync(key, signer, ScepClient.CreateCsr(key, "CN=slow", minted.Json.GetProperty("challenge").GetString()));
        Assert.Equal(ScepPkiStatus.Pending, first.Status);

        var ca = http.CaCerts.Single(c => c.GetBasicConstraints() >= 0);
        CertRepResult poll = first;
        for (var i = 0; i < 200 && poll.Status == ScepPkiStatus.Pending; i++)
        {
            var message = http.Client.CertPoll(ca.SubjectDN, signer.SubjectDN, signer, key.Private, new PkiMessageOptions { TransactionId = first.TransactionId });
            poll = http.Decode((await http.PostAsync(message.Bytes)).Body, signer, key);
            if (poll.Status == ScepPkiStatus.Pending) await Task.Delay(50);
        }
        Assert.Equal(ScepPkiStatus.Success, poll.Status);
        Assert.Equal("CN=slow", poll.Certificates[0].SubjectDN.ToString());
    }

    private static byte[] Mutate(byte[] valid, Random random)
    {
        var bytes = (byte[])valid.Clone();
        switch (random.Next(4))
        {
            case 0: // flip a few bits
                for (var k = 0; k < random.Next(1, 8); k++) bytes[random.Next(bytes.Length)] ^= (byte)(1 << random.Next(8));
                return bytes;
            case 1: // truncate
                return bytes[..random.Next(1, bytes.Length)];
            case 2: // insert junk
                var at = random.Next(bytes.Length);
                var junk = new byte[random.Next(1, 32)];
                random.NextBytes(junk);
                return [.. bytes[..at], .. junk, .. bytes[at..]];
            default: // overwrite a length-ish byte near the start
                bytes[random.Next(Math.Min(64, bytes.Length))] = (byte)random.Next(256);
                return bytes;
        }
    }
}
