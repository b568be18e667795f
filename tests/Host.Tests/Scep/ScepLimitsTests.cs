using System.Collections.Concurrent;
using System.Net;
using System.Net.Http.Headers;
using CertConnector.Actors.Scep;
using CertConnector.Adapters.Scep;
using CertConnector.Adapters.Scep.Client;
using CertConnector.Host.Scep;

namespace CertConnector.Host.Tests.Scep;

/// <summary>A connector with the SCEP defaults (single DES refused) and room for one PKIOperation decode at a time and two waiting.</summary>
public sealed class OneDecodeScepConnector() : ScepConnector(new Dictionary<string, string> { ["Scep:MaxConcurrentOperations"] = "1", ["Scep:MaxQueuedOperations"] = "2" });

/// <summary>What bounds the connector's work per SCEP device: single DES refused, decodes limited, 503 when busy.</summary>
[Trait("Category", "Interop")]
public sealed class ScepLimitsTests(OneDecodeScepConnector connector) : IClassFixture<OneDecodeScepConnector>
{
    [Fact]
    public void Scepclient_single_DES_request_is_refused_with_badAlg_by_default()
    {
        var subject = "CN=des-device,OU=MDM,O=scep-client,C=US";
        var (exit, output, dir) = ScepClientTool.Run(connector.Process.ScepUrl, "des-device", connector.Challenge(subject));

        Assert.NotEqual(0, exit);
        Assert.Contains("failInfo: badAlg", output);
        Assert.False(File.Exists(Path.Combine(dir, "device.crt")));
        connector.Process.WaitUntil(() => ConnectorLogs.Events(connector.Process.DataDir, 4005, "single DES").Count > 0,
            TimeSpan.FromSeconds(10), "the refusal to be logged as 4005");
    }

    [Fact]
    public async Task A_flood_of_PKIOperations_gets_503_with_Retry_After_while_an_enrollment_GetCACert_and_the_admin_API_are_served()
    {
        var key = ScepHttpClient.NewKey();
        var signer = ScepClient.SelfSigned(key, "CN=flood");
        var ca = connector.Http.CaCerts.Single(c => c.GetBasicConstraints() >= 0);
        // GetCert costs a full decode (signature check and the RA's private-key operation) and leaves no state behind.
        var flood = Enumerable.Range(0, 48).Select(i =>
            connector.Http.Client.GetCert(ca.SubjectDN, Org.BouncyCastle.Math.BigInteger.ValueOf(1000 + i), signer, key.Private).Bytes).ToList();
        var busy = new ConcurrentQueue<HttpResponseMessage>();
        using var http = new HttpClient { Timeout = TimeSpan.FromSeconds(60) };
        using var stop = new CancellationTokenSource();

        var flooding = Task.Run(async () =>
        {
            // Round after round until the work below is done and the limit has been seen to bite (bounded: a main without it never 503s).
            for (var round = 0; round < 50 && !(stop.IsCancellationRequested && !busy.IsEmpty); round++)
                await Task.WhenAll(flood.Select(async message =>
                {
                    var response = await PostAsync(http, message);
                    if (response.StatusCode == HttpStatusCode.ServiceUnavailable) busy.Enqueue(response);
                    else Assert.Equal(HttpStatusCode.OK, response.StatusCode);
                }));
        });

        var subject = "CN=during-the-flood";
        var deviceKey = ScepHttpClient.NewKey();
        var deviceSigner = ScepClient.SelfSigned(deviceKey, subject);
        var enrollment = connector.Http.Client.PkcsReq(ScepClient.CreateCsr(deviceKey, subject, connector.Challenge(subject)), deviceSigner, deviceKey.Private);
        var caCert = await http.GetAsync(connector.Process.ScepUrl + "?operation=GetCACert");
        using var admin = new HttpRequestMessage(HttpMethod.Get, connector.Process.AdminUrl + "/api/v1/status");
        admin.Headers.Authorization = new AuthenticationHeaderValue("Bearer",
            File.ReadAllText(Path.Combine(connector.Process.DataDir, "admin.token")).Trim());
        var status = await http.SendAsync(admin);
        var reply = await EnrollFollowingRetryAfterAsync(http, enrollment.Bytes);
        stop.Cancel();
        await flooding;

        Assert.Equal(HttpStatusCode.OK, caCert.StatusCode);
        Assert.Equal(HttpStatusCode.OK, status.StatusCode);
        var certRep = connector.Http.Decode(reply, deviceSigner, deviceKey);
        Assert.Equal(ScepPkiStatus.Success, certRep.Status);
        Assert.Equal(subject, certRep.Certificates[0].SubjectDN.ToString());
        Assert.NotEmpty(busy);
        Assert.All(busy, r => Assert.Equal(TimeSpan.FromSeconds(ScepEndpoints.BusyRetryAfterSeconds), r.Headers.RetryAfter?.Delta));
        Assert.Contains("MaxConcurrentOperations", await busy.First().Content.ReadAsStringAsync());
        connector.Process.WaitUntil(() => ConnectorLogs.Events(connector.Process.DataDir, 4005, "(503)").Count > 0,
            TimeSpan.FromSeconds(10), "the 503 to be logged as 4005");
    }

    /// <summary>A device that is told 503 waits as long as Retry-After says and sends the same message again.</summary>
    private async Task<byte[]> EnrollFollowingRetryAfterAsync(HttpClient http, byte[] message)
    {
        for (var attempt = 0; ; attempt++)
        {
            var response = await PostAsync(http, message);
            if (response.StatusCode == HttpStatusCode.OK) return await response.Content.ReadAsByteArrayAsync();
            Assert.Equal(HttpStatusCode.ServiceUnavailable, response.StatusCode);
            Assert.True(attempt < 30, "still busy after 30 attempts");
            await Task.Delay(response.Headers.RetryAfter?.Delta ?? TimeSpan.FromSeconds(1));
        }
    }

    private async Task<HttpResponseMessage> PostAsync(HttpClient http, byte[] message)
    {
        var content = new ByteArrayContent(message);
        content.Headers.ContentType = new MediaTypeHeaderValue(ScepReply.PkiMessage);
        return await http.PostAsync(connector.Process.ScepUrl + "?operation=PKIOperation", content);
    }
}
