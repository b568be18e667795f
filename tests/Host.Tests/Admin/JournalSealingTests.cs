using CertConnector.Adapters.Scep;
using CertConnector.Adapters.Scep.Client;
using Org.BouncyCastle.Math;

namespace CertConnector.Host.Tests.Admin;

/// <summary>
/// SCEP challenges travel inside the device's signed CSR, which the request actor journals. The journal on
/// disk must not give them away, in any encoding, and the sealed events must still recover after a restart.
/// </summary>
[Trait("Category", "Slow")]
public sealed class JournalSealingTests
{
    [Fact]
    public async Task No_challenge_reaches_the_journal_files_and_the_requests_recover_after_a_kill()
    {
        var data = Path.Combine(Tools.TempDir("sealing"), "data");
        var enrolled = new List<(string Challenge, byte[] Message, BigInteger Serial, Org.BouncyCastle.X509.X509Certificate Signer,
            Org.BouncyCastle.Crypto.AsymmetricCipherKeyPair Key)>();

        using (var first = ConnectorProcess.Start(data))
        using (var http = new ScepHttpClient(first.ScepUrl))
        {
            // Each string type the CSR may carry: PrintableString and UTF8String are ASCII here, BMPString is UTF-16BE.
            foreach (var type in Enum.GetValues<ChallengeStringType>())
            {
                var subject = $"CN=sealed-{type}";
                var challenge = first.Cli("scep", "challenge", "--subject", subject).Json.GetProperty("challenge").GetString()!;
                var key = ScepHttpClient.NewKey();
                var signer = ScepClient.SelfSigned(key, subject);
                var message = http.Client.PkcsReq(ScepClient.CreateCsr(key, subject, challenge, type), signer, key.Private).Bytes;
                var reply = http.Decode((await http.PostAsync(message)).Body, signer, key);
                Assert.Equal(ScepPkiStatus.Success, reply.Status);
                enrolled.Add((challenge, message, reply.Certificates[0].SerialNumber, signer, key));
            }
            AssertNoChallengeIn(data, enrolled.Select(e => e.Challenge)); // the live WAL, before any checkpoint
            first.Kill();
        }
        AssertNoChallengeIn(data, enrolled.Select(e => e.Challenge));

        // A retransmission after the restart is answered from the recovered (unsealed) events: the same
        // certificate, not a second issuance and not a refusal of the already used challenge.
        using var second = ConnectorProcess.Start(data);
        using var again = new ScepHttpClient(second.ScepUrl);
        foreach (var e in enrolled)
        {
            var reply = again.Decode((await again.PostAsync(e.Message)).Body, e.Signer, e.Key);
            Assert.Equal(ScepPkiStatus.Success, reply.Status);
            Assert.Equal(e.Serial, reply.Certificates[0].SerialNumber);
        }
    }

    private static void AssertNoChallengeIn(string data, IEnumerable<string> challenges)
    {
        Assert.True(File.Exists(Path.Combine(data, "connector.db")));
        Assert.Empty(DataDirSecretScan.Find([.. DataDirSecretScan.Journal(data), .. DataDirSecretScan.Logs(data)], challenges.ToList()));
    }
}
