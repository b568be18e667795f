using CertConnector.Adapters.Scep;
using CertConnector.Adapters.Scep.Client;
using Org.BouncyCastle.X509;

namespace CertConnector.Host.Tests.Cluster;

/// <summary>
/// SCEP devices behind a load balancer over several instances: a device whose request fails (the instance died) or is
/// answered PENDING sends the same message again, to the next instance. Our client and Debian's scepclient.
/// </summary>
public static class ScepDevices
{
    /// <summary>Our client: one PKCSReq, retransmitted as it is (same transaction, same key) until SUCCESS or FAILURE.</summary>
    public static async Task<(string TransactionId, X509Certificate Certificate)> EnrollAsync(IReadOnlyList<ClusterNode> targets, int preferred,
        string subject, string challenge, TimeSpan timeout)
    {
        var key = ScepHttpClient.NewKey();
        var signer = ScepClient.SelfSigned(key, subject);
        var csr = ScepClient.CreateCsr(key, subject, challenge);
        byte[]? message = null;
        string? transactionId = null;
        var deadline = DateTime.UtcNow + timeout;
        var errors = new List<string>();
        for (var attempt = 0; DateTime.UtcNow < deadline; attempt++)
        {
            var node = targets[(preferred + attempt) % targets.Count];
            if (!node.Running) continue;
            try
            {
                using var http = new ScepHttpClient(node.ScepUrl);
                if (message is null)
                {
                    var built = http.Client.PkcsReq(csr, signer, key.Private);
                    (message, transactionId) = (built.Bytes, built.TransactionId);
                }
                var (status, body) = await http.PostAsync(message);
                if (status == 200)
                {
                    var reply = http.Decode(body, signer, key);
                    if (reply.Status == ScepPkiStatus.Success) return (transactionId!, reply.Certificates[0]);
                    if (reply.Status == ScepPkiStatus.Failure)
                        throw new InvalidOperationException($"{subject}: FAILURE {reply.FailInfo} from {node.Name} after {string.Join("; ", errors)}");
                    errors.Add($"{node.Name}: PENDING");
                }
                else errors.Add($"{node.Name}: HTTP {status}");
            }
            catch (Exception e) when (e is HttpRequestException or TaskCanceledException or IOException or AggregateException)
            {
                errors.Add($"{node.Name}: {e.GetBaseException().Message}");
            }
            await Task.Delay(1000);
        }
        throw new TimeoutException($"{subject} not enrolled: {string.Join("; ", errors)}");
    }

    public const string ScepClientSubject = "CN={0},OU=MDM,O=scep-client,C=US"; // scepclient adds O, OU and C

    /// <summary>
    /// Debian's scepclient, re-run in the same directory against the next instance when a run fails: it reuses the key
    /// and the csr.pem the first run left, so every run is a retransmission of one request. Returns the certificate (PEM file).
    /// </summary>
    public static async Task<string> ScepClientAsync(IReadOnlyList<ClusterNode> targets, int preferred, string cn, string challenge, TimeSpan timeout)
    {
        var dir = Tools.TempDir("scepclient-" + cn);
        var deadline = DateTime.UtcNow + timeout;
        var outputs = new List<string>();
        for (var attempt = 0; DateTime.UtcNow < deadline; attempt++)
        {
            var node = targets[(preferred + attempt) % targets.Count];
            if (!node.Running) continue;
            var certificate = Path.Combine(dir, $"run{attempt}.crt");
            var info = new System.Diagnostics.ProcessStartInfo("scepclient") { RedirectStandardOutput = true, RedirectStandardError = true, WorkingDirectory = dir };
            foreach (var a in new[] { "-server-url", node.ScepUrl, "-challenge", challenge, "-private-key", Path.Combine(dir, "device.key"),
                         "-certificate", certificate, "-cn", cn, "-keySize", "2048" })
                info.ArgumentList.Add(a);
            using var p = System.Diagnostics.Process.Start(info)!;
            var output = p.StandardOutput.ReadToEndAsync();
            var errors = p.StandardError.ReadToEndAsync();
            await p.WaitForExitAsync(new CancellationTokenSource(TimeSpan.FromSeconds(90)).Token).ContinueWith(_ => { });
            if (!p.HasExited) p.Kill();
            await p.WaitForExitAsync();
            outputs.Add($"{node.Name}: exit {p.ExitCode} {await output}{await errors}");
            if (p.ExitCode == 0 && File.Exists(certificate)) return certificate;
            if ((await output + await errors).Contains("failInfo")) break; // a FAILURE is final
            await Task.Delay(1000);
        }
        throw new InvalidOperationException($"scepclient {cn} did not enroll:\n{string.Join("\n", outputs)}");
    }
}
