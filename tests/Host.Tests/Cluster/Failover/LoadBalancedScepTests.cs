using CertConnector.Adapters.Scep;
using CertConnector.Adapters.Scep.Client;

namespace CertConnector.Host.Tests.Cluster.Failover;

/// <summary>
/// A SCEP device behind a load balancer over two instances: its PKCSReq reaches B, the retransmission of the very same
/// message (same transaction, same key) reaches C, and C answers with the certificate B issued; one certificate, one
/// notification, the challenge spent once; and the other way round (C first, then B).
/// </summary>
[Trait("Category", "Slow")]
[Trait("Category", "Postgres")]
[Collection(ConnectorCluster.Collection)]
public sealed class LoadBalancedScepTests
{
    [Fact]
    public async Task A_retransmission_to_another_instance_gets_the_same_certificate()
    {
        using var cluster = new ConnectorCluster("cluster_scep_lb", ConnectorCluster.FastSettings);
        var b = cluster.Add("b", pkcs: true, scep: true, revocation: false);
        var c = cluster.Add("c", pkcs: false, scep: true, revocation: true);
        b.Start();
        c.Start();
        cluster.WaitUntilUp(b, [b, c], TimeSpan.FromSeconds(90));

        using var toB = new ScepHttpClient(b.ScepUrl);
        using var toC = new ScepHttpClient(c.ScepUrl);
        Assert.Equal(toB.Ra.GetEncoded(), toC.Ra.GetEncoded()); // one RA for the whole connector

        for (var round = 0; round < 3; round++)
        {
            var (first, second) = round % 2 == 0 ? (toB, toC) : (toC, toB);
            var subject = $"CN=lb-device-{round}";
            var key = ScepHttpClient.NewKey();
            var signer = ScepClient.SelfSigned(key, subject);
            var challenge = await ClusterRequests.ChallengeAsync(cluster.Nodes, round, subject);
            var message = first.Client.PkcsReq(ScepClient.CreateCsr(key, subject, challenge), signer, key.Private);

            var (status1, body1) = await first.PostAsync(message.Bytes);
            Assert.Equal(200, status1);
            var answer1 = first.Decode(body1, signer, key);
            Assert.Equal(ScepPkiStatus.Success, answer1.Status);

            var (status2, body2) = await second.PostAsync(message.Bytes);
            Assert.Equal(200, status2);
            var answer2 = second.Decode(body2, signer, key);
            Assert.Equal(ScepPkiStatus.Success, answer2.Status);
            Assert.Equal(answer1.Certificates[0].SerialNumber, answer2.Certificates[0].SerialNumber);
            Assert.Equal(message.TransactionId, answer2.TransactionId);

            Assert.Equal(1, cluster.Count($"SELECT count(*) FROM issued_certificates WHERE subject = '{subject}'"));
            // The service is told after the device is answered (the outcome is journaled first, the notification follows and is
            // retried), so the row may arrive a moment after the answer; what must hold is that exactly one arrives.
            var notified = $"SELECT count(*) FROM scep_notifications WHERE transaction_id = '{message.TransactionId}'";
            await ConnectorCluster.WaitForAsync(() => cluster.Count(notified) >= 1, TimeSpan.FromSeconds(60), $"the notification of round {round}", cluster);
            Assert.Equal(1, cluster.Count(notified));
            Assert.Equal(1, cluster.Count($"SELECT count(*) FROM scep_challenges WHERE used_by_transaction = '{message.TransactionId}'"));
        }
    }
}
