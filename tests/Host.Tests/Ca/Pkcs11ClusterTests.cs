using CertConnector.Host.Tests.Cluster;
using CertConnector.Host.Tests.Scep;

namespace CertConnector.Host.Tests.Ca;

/// <summary>
/// Two instances of a cluster (shared PostgreSQL) with the CA keys in one token: the first start creates the CA, RA and
/// OCSP keys there once, the second uses the same objects; the shared database keeps the certificates and no key; SCEP
/// through either instance (RA decryption and signatures in the token) gives certificates openssl verifies.
/// </summary>
[Collection(ConnectorCluster.Collection)]
[Trait("Category", "Slow")]
[Trait("Category", "Postgres")]
public sealed class Pkcs11ClusterTests
{
    [Fact]
    public void Both_instances_use_the_same_token_keys_and_the_database_holds_none()
    {
        using var hsm = new SoftHsm();
        using var cluster = new ConnectorCluster("hsm-cluster", hsm.Settings(), hsm.Environment);
        var a = cluster.Add("a", pkcs: true, scep: true, revocation: true);
        var b = cluster.Add("b", pkcs: true, scep: true, revocation: true);
        a.Start();
        b.Start();
        cluster.WaitUntilUp(a, [a, b], TimeSpan.FromSeconds(90));

        foreach (var label in new[] { "certconnector-ca", "certconnector-ra", "certconnector-ocsp" })
            Assert.Contains("never extractable", Assert.Single(hsm.Objects("Private Key", label)));
        Assert.Single(hsm.Objects("Secret Key", "certconnector-journal-sealing"));

        var keys = cluster.Rows("SELECT name, encrypted_key FROM ca_credentials ORDER BY name").ToDictionary(r => (string)r[0]!, r => (string)r[1]!);
        Assert.Equal(["ca", "connector", "ocsp", "ra"], keys.Keys.Order());
        foreach (var name in new[] { "ca", "ra", "ocsp" }) Assert.Equal("", keys[name]);
        Assert.Contains("ENCRYPTED PRIVATE KEY", keys["connector"]); // the connector key stays in software, encrypted

        var caPem = Path.Combine(cluster.Dir, "ca.pem");
        File.WriteAllText(caPem, a.Cli("ca", "cert").Stdout);
        Assert.Equal(File.ReadAllText(caPem), b.Cli("ca", "cert").Stdout);
        foreach (var (node, other) in new[] { (a, b), (b, a) })
        {
            var minted = other.Cli("scep", "challenge", "--subject", $"CN=hsm-{node.Name},OU=MDM,O=scep-client,C=US");
            Assert.True(minted.ExitCode == 0, minted.ToString());
            var (exit, output, dir) = ScepClientTool.Run(node.ScepUrl, $"hsm-{node.Name}", minted.Json.GetProperty("challenge").GetString()!);
            Assert.True(exit == 0, output + cluster.Logs());
            Assert.Contains(": OK", Tools.OpenSsl("verify", "-CAfile", caPem, Path.Combine(dir, "device.crt")));
        }

        Assert.Empty(DataDirSecretScan.FindInPostgres(cluster.Database.ConnectionString, [hsm.Pin]));
        Assert.All(DataDirSecretScan.FindInPostgres(cluster.Database.ConnectionString, ["PRIVATE KEY"]),
            hit => Assert.StartsWith("ca_credentials.encrypted_key:", hit)); // the connector key's row, checked above
    }
}
