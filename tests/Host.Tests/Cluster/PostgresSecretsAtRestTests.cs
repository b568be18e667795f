using CertConnector.Adapters.Scep;
using CertConnector.Adapters.Scep.Client;
using CertConnector.Tests.Postgres;

namespace CertConnector.Host.Tests.Cluster;

/// <summary>
/// A cluster node keeps its journal, queues, challenges, notifications and CA keys in PostgreSQL: none of them may
/// hold a minted challenge or the CA passphrase in plaintext, and neither may the node's data directory.
/// </summary>
[Trait("Category", "Slow")]
[Trait("Category", "Postgres")]
public sealed class PostgresSecretsAtRestTests
{
    [Fact]
    public async Task The_shared_database_and_the_data_directory_hold_no_challenge_and_no_passphrase()
    {
        await using var db = await Postgres.CreateDatabaseAsync("atrest");
        var data = Path.Combine(Tools.TempDir("pg-at-rest"), "data");
        var secrets = new List<string> { ClusterNodes.Environment()["CERTCONNECTOR_CA_PASSPHRASE"] };
        using (var node = ClusterNodes.Start(data, db, Tools.FreePort()))
        using (var http = new ScepHttpClient(node.ScepUrl))
        {
            for (var i = 0; i < 3; i++)
            {
                var subject = $"CN=pg-at-rest-{i}";
                var minted = node.Cli("scep", "challenge", "--subject", subject);
                Assert.True(minted.ExitCode == 0, minted.ToString());
                var challenge = minted.Json.GetProperty("challenge").GetString()!;
                secrets.Add(challenge);
                var key = ScepHttpClient.NewKey();
                var reply = await http.EnrollAsync(key, ScepClient.SelfSigned(key, subject), ScepClient.CreateCsr(key, subject, challenge, (ChallengeStringType)i));
                Assert.Equal(ScepPkiStatus.Success, reply.Status);
            }
            node.WaitUntil(() => db.Scalar<long>("SELECT count(*) FROM scep_notifications") >= 3, TimeSpan.FromSeconds(30), "every notification to be stored");
            Assert.True(db.Scalar<long>("SELECT count(*) FROM journal") > 0, "the SCEP requests are journaled in PostgreSQL");
            // CA, RA, OCSP signer and the connector key, each key encrypted under the passphrase (scanned for below).
            Assert.Equal(4, db.Scalar<long>("SELECT count(*) FROM ca_credentials"));
            Assert.Empty(DataDirSecretScan.FindInPostgres(db.ConnectionString, secrets));
            Assert.Equal(0, node.Interrupt(TimeSpan.FromSeconds(30)));
        }

        Assert.Empty(DataDirSecretScan.FindInPostgres(db.ConnectionString, secrets));
        Assert.Empty(DataDirSecretScan.Find(Directory.GetFiles(data, "*", SearchOption.AllDirectories), secrets));

        // The scan can fail: a secret written into any table is found.
        await db.ExecuteAsync($"CREATE TABLE canary (note bytea); INSERT INTO canary VALUES (convert_to('x{secrets[1]}y', 'UTF8'))");
        Assert.Contains(DataDirSecretScan.FindInPostgres(db.ConnectionString, secrets), hit => hit.StartsWith("canary.note"));
    }
}
