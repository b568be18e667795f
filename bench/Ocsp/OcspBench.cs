using System.Diagnostics;
using System.Globalization;
using System.Net;
using System.Net.Sockets;
using CertConnector.Actors.Common;
using CertConnector.Actors.Ports;
using CertConnector.Adapters.Ca.BuiltIn;
using CertConnector.Adapters.Crypto;
using CertConnector.Bench.Scep;
using Org.BouncyCastle.Asn1;
using Org.BouncyCastle.Asn1.Ocsp;
using Org.BouncyCastle.Asn1.X509;
using Org.BouncyCastle.Ocsp;
using Org.BouncyCastle.OpenSsl;
using Org.BouncyCastle.X509;

namespace CertConnector.Bench.Ocsp;

/// <summary>
/// <c>dotnet run -c Release --project bench -- ocsp [--certificates N] [--requests R]</c>: OCSP responses/s and latency at 1, 16
/// and 64 concurrent clients, our connector against <c>openssl ocsp</c> as a responder (-index, -rsigner, -rkey, -CA, -port,
/// -multi) over the same CA, certificates (a quarter revoked) and responder key, on loopback, in one run. Each client
/// POSTs DER requests for random serials, one connection per request (as openssl's responder serves them), with a fresh nonce (every answer signed) and without (RFC 5019: cacheable).
/// </summary>
public static class OcspBench
{
    private static readonly int[] Concurrencies = [1, 16, 64];

    public static async Task<int> RunAsync(string[] args)
    {
        string? Value(string name) => Array.LastIndexOf(args, name) is var i and >= 0 && i + 1 < args.Length ? args[i + 1] : null;
        var certificates = int.Parse(Value("--certificates") ?? "200", CultureInfo.InvariantCulture);
        var requests = int.Parse(Value("--requests") ?? "3000", CultureInfo.InvariantCulture);
        var responderKey = KeySpec.Parse(Value("--responder-key") ?? "rsa:2048");
        if (certificates is < 4 or > 100_000 || requests is < 64 or > 1_000_000) throw new ArgumentException("--certificates 4..100000, --requests 64..1000000");

        var dir = Path.Combine(Path.GetTempPath(), $"certconnector-ocspbench-{Guid.NewGuid():N}");
        var data = Path.Combine(dir, "data");
        Directory.CreateDirectory(dir);
        try
        {
            var (ca, issued) = await IssueAsync(Path.Combine(data, "ca"), certificates, responderKey);
            var openssl = WriteOpenSslResponderFiles(dir, ca, issued);
            Console.WriteLine($"OCSP load: {certificates} certificates ({issued.Count(i => i.Revoked)} revoked), {requests} POSTs per row, " +
                              $"delegated responder key {responderKey} for both; machine: {Environment.ProcessorCount} cores, {DateTime.UtcNow:yyyy-MM-dd}");
            var queries = issued.Select(i => i.Serial).Append(new Org.BouncyCastle.Math.BigInteger("123456789ABCDEF", 16)).ToArray();

            var results = new List<(string Target, string Mode, int C, LoadResult R, double CpuMs)>();
            using (var ours = await OurOcspTarget.StartAsync(data, responderKey))
            using (var theirs = OpenSslResponder.Start(dir, openssl))
            {
                foreach (var (name, url, pid) in new[] { ("ours", ours.Url, ours.ProcessId), ("openssl", theirs.Url, theirs.ProcessId) })
                {
                    await CheckAsync(name, url, ca.CaCertificate, issued);
                    await LoadAsync(url, ca.CaCertificate, queries, Math.Min(requests, 500), 4, nonce: true); // warm-up (JIT, pools), untimed
                    foreach (var nonce in new[] { true, false })
                    foreach (var c in Concurrencies)
                    {
                        var cpuBefore = ProcessTreeCpu.Seconds(pid);
                        var result = await LoadAsync(url, ca.CaCertificate, queries, requests, c, nonce);
                        var cpuMs = (ProcessTreeCpu.Seconds(pid) - cpuBefore) * 1000 / requests;
                        results.Add((name, nonce ? "nonce" : "no nonce", c, result, cpuMs));
                        Console.WriteLine(string.Create(CultureInfo.InvariantCulture, $"[{name}] {(nonce ? "nonce" : "no nonce")}, C={c}: {result.PerSecond:0}/s, {result.Errors} errors"));
                    }
                }
            }

            Console.WriteLine();
            Console.WriteLine($"{"target",-8} {"mode",-9} {"C",3} {"responses/s",12} {"p50 ms",8} {"p99 ms",8} {"errors",7} {"server CPU ms/response",23}");
            foreach (var (target, mode, c, r, cpu) in results)
                Console.WriteLine(string.Create(CultureInfo.InvariantCulture, $"{target,-8} {mode,-9} {c,3} {r.PerSecond,12:0} {r.P(0.5),8:0.00} {r.P(0.99),8:0.00} {r.Errors,7} {cpu,23:0.000}"));
            foreach (var mode in new[] { "nonce", "no nonce" })
            foreach (var c in Concurrencies)
            {
                var (o, ourCpu) = results.Where(r => r.Target == "ours" && r.Mode == mode && r.C == c).Select(r => (r.R, r.CpuMs)).Single();
                var (s, theirCpu) = results.Where(r => r.Target == "openssl" && r.Mode == mode && r.C == c).Select(r => (r.R, r.CpuMs)).Single();
                Console.WriteLine(string.Create(CultureInfo.InvariantCulture,
                    $"ratio ours/openssl, {mode,-8} C={c,2}: {o.PerSecond / Math.Max(1, s.PerSecond):0.00}x responses/s, p99 {o.P(0.99) / Math.Max(0.001, s.P(0.99)):0.00}x, " +
                    $"server CPU per response {ourCpu / Math.Max(0.0001, theirCpu):0.00}x"));
            }
            return results.All(r => r.R.Errors == 0) ? 0 : 1;
        }
        finally
        {
            Microsoft.Data.Sqlite.SqliteConnection.ClearAllPools();
            try { Directory.Delete(dir, true); } catch (IOException) { }
        }
    }

    private sealed record Issued(Org.BouncyCastle.Math.BigInteger Serial, X509Certificate Certificate, bool Revoked);

    /// <summary>The CA the connector will open: created here, certificates issued and a quarter revoked (keyCompromise), untimed.</summary>
    /// <summary>
    /// <c>ocsp-respond</c>: the responder alone, in this process, one thread, no HTTP: microseconds per nonce answer (every one
    /// signed) against one bare RSA signature with the same key, so the cost of parsing and encoding shows apart from the signature.
    /// </summary>
    public static async Task<int> RespondAloneAsync(string[] args)
    {
        var dir = Path.Combine(Path.GetTempPath(), $"certconnector-ocsprespond-{Guid.NewGuid():N}");
        try
        {
            var (ca, issued) = await IssueAsync(Path.Combine(dir, "ca"), 50, KeySpec.Rsa2048);
            var responder = new CertConnector.Adapters.Revocation.OcspResponder(ca.CaCertificate, ca, TimeProvider.System, TimeSpan.FromHours(1));
            var requests = Enumerable.Range(0, 256).Select(i => Request(ca.CaCertificate, issued[i % issued.Count].Serial, nonce: true)).ToArray();
            var key = DotNetRsaSigner.PrivateKey((Org.BouncyCastle.Crypto.Parameters.RsaPrivateCrtKeyParameters)ca.OcspCredentials().PrivateKey);
            var tbs = new byte[300];
            for (var i = 0; i < 300; i++) { responder.Respond(requests[i % requests.Length]); key.SignData(tbs, System.Security.Cryptography.HashAlgorithmName.SHA256, System.Security.Cryptography.RSASignaturePadding.Pkcs1); }
            const int n = 3000;
            var watch = Stopwatch.StartNew();
            for (var i = 0; i < n; i++) key.SignData(tbs, System.Security.Cryptography.HashAlgorithmName.SHA256, System.Security.Cryptography.RSASignaturePadding.Pkcs1);
            var sign = watch.Elapsed.TotalMicroseconds / n;
            watch.Restart();
            for (var i = 0; i < n; i++) responder.Respond(requests[i % requests.Length]);
            var respond = watch.Elapsed.TotalMicroseconds / n;
            Console.WriteLine(string.Create(CultureInfo.InvariantCulture,
                $"OCSP responder alone, one thread: nonce answer {respond:0} us; bare RSA-2048 signature {sign:0} us; the rest {respond - sign:0} us ({respond / sign:0.00}x the signature)"));
            return 0;
        }
        finally
        {
            try { Directory.Delete(dir, true); } catch (IOException) { }
        }
    }

    private static async Task<(BuiltInCa, List<Issued>)> IssueAsync(string caDirectory, int count, KeySpec responderKey)
    {
        var ca = BuiltInCa.OpenOrCreate(new BuiltInCaOptions { Directory = caDirectory, KeySpec = KeySpec.Parse("rsa:2048"), OcspKeySpec = responderKey });
        var list = new List<Issued>();
        for (var i = 0; i < count; i++)
        {
            var key = KeyGeneration.Generate(KeySpec.Parse("ec:p256"));
            var csr = CertificationRequests.Create(key, DistinguishedName.Parse($"CN=ocsp-bench-{i}"), []);
            var certificate = new X509Certificate((await ca.IssueAsync(new IssuanceRequest($"bench-{i}", "pkcs", csr, "client-auth"), CancellationToken.None)).CertificateDer);
            var revoked = i % 4 == 0;
            if (revoked) await ca.RevokeAsync(CertificateIds.SerialHex(certificate.SerialNumber), RevocationReason.KeyCompromise, CancellationToken.None);
            list.Add(new Issued(certificate.SerialNumber, certificate, revoked));
        }
        return (ca, list);
    }

    /// <summary>openssl's CA database (index.txt), the CA certificate, and the same delegated responder certificate and key (0600, deleted after the run).</summary>
    private static (string Index, string CaPem, string SignerPem, string SignerKey) WriteOpenSslResponderFiles(string dir, BuiltInCa ca, List<Issued> issued)
    {
        static string Time(DateTime t) => t.ToUniversalTime().ToString("yyMMddHHmmss'Z'", CultureInfo.InvariantCulture);
        var index = Path.Combine(dir, "index.txt");
        File.WriteAllLines(index, issued.Select(i =>
            $"{(i.Revoked ? "R" : "V")}\t{Time(i.Certificate.NotAfter)}\t{(i.Revoked ? Time(DateTime.UtcNow) + ",keyCompromise" : "")}\t{CertificateIds.SerialHex(i.Serial)}\tunknown\t/{i.Certificate.SubjectDN}"));
        var caPem = Path.Combine(dir, "ca.pem");
        File.WriteAllText(caPem, Pem.Certificate(ca.CaCertificate));
        var credentials = ca.OcspCredentials();
        var signerPem = Path.Combine(dir, "ocsp.pem");
        File.WriteAllText(signerPem, Pem.Certificate(credentials.Certificate));
        var signerKey = Path.Combine(dir, "ocsp.key");
        using (var file = new FileStream(signerKey, new FileStreamOptions { Mode = FileMode.CreateNew, Access = FileAccess.Write, UnixCreateMode = UnixFileMode.UserRead | UnixFileMode.UserWrite }))
        using (var writer = new StreamWriter(file))
            new PemWriter(writer).WriteObject(credentials.PrivateKey);
        return (index, caPem, signerPem, signerKey);
    }

    /// <summary>Before timing: a good, a revoked and an unknown serial must be answered so by the target.</summary>
    private static async Task CheckAsync(string name, string url, X509Certificate ca, List<Issued> issued)
    {
        using var http = new HttpClient();
        http.DefaultRequestHeaders.ConnectionClose = true;
        async Task<object?> StatusOf(Org.BouncyCastle.Math.BigInteger serial)
        {
            using var content = new ByteArrayContent(Request(ca, serial, nonce: true));
            content.Headers.ContentType = new System.Net.Http.Headers.MediaTypeHeaderValue("application/ocsp-request");
            HttpResponseMessage? response = null;
            for (var attempt = 1; response is null; attempt++)
            {
                try { response = await http.PostAsync(url, content); }
                catch (HttpRequestException) when (attempt < 50) { await Task.Delay(100); }
            }
            using var _ = response;
            var basic = (BasicOcspResp)new OcspResp(await response.Content.ReadAsByteArrayAsync()).GetResponseObject();
            return basic.Responses[0].GetCertStatus();
        }
        var good = await StatusOf(issued.First(i => !i.Revoked).Serial);
        var revoked = await StatusOf(issued.First(i => i.Revoked).Serial);
        var unknown = await StatusOf(new Org.BouncyCastle.Math.BigInteger("123456789ABCDEF", 16));
        if (good is not null || revoked is not RevokedStatus || unknown is not UnknownStatus)
            throw new InvalidOperationException($"{name} answers wrongly: good={good}, revoked={revoked}, unknown={unknown}");
        Console.WriteLine($"[{name}] {url}: good, revoked and unknown answered correctly");
    }

    private static byte[] Request(X509Certificate ca, Org.BouncyCastle.Math.BigInteger serial, bool nonce)
    {
        var generator = new OcspReqGenerator();
        generator.AddRequest(new CertificateID(new AlgorithmIdentifier(new DerObjectIdentifier("1.3.14.3.2.26"), DerNull.Instance), ca, serial));
        if (nonce)
            generator.SetRequestExtensions(new X509Extensions(new Dictionary<DerObjectIdentifier, X509Extension>
            {
                [OcspObjectIdentifiers.PkixOcspNonce] = new(false, new DerOctetString(new DerOctetString(Guid.NewGuid().ToByteArray()).GetEncoded())),
            }));
        return generator.Generate().GetEncoded();
    }

    private sealed record LoadResult(double PerSecond, double[] LatenciesMs, int Errors)
    {
        public double P(double q) => LatenciesMs.Length == 0 ? double.NaN : LatenciesMs[Math.Min(LatenciesMs.Length - 1, (int)Math.Ceiling(q * LatenciesMs.Length) - 1)];
    }

    /// <summary>
    /// C clients share R requests; requests (and nonces) are built before the clock starts. Each request is one HTTP/1.0
    /// POST written in one piece on a new loopback connection, read to the end (as the openssl client does): openssl
    /// 3.0's responder resets connections whose request arrives in two writes, which .NET's HttpClient does.
    /// </summary>
    private static async Task<LoadResult> LoadAsync(string url, X509Certificate ca, Org.BouncyCastle.Math.BigInteger[] serials, int total, int concurrency, bool nonce)
    {
        var uri = new Uri(url);
        var random = new Random(concurrency);
        var messages = Enumerable.Range(0, total).Select(_ => HttpPost(uri, Request(ca, serials[random.Next(serials.Length)], nonce))).ToArray();
        var latencies = new double[total];
        var errors = 0;
        var next = -1;
        var clock = Stopwatch.StartNew();
        await Task.WhenAll(Enumerable.Range(0, concurrency).Select(_ => Task.Run(async () =>
        {
            var buffer = new byte[16 * 1024];
            int i;
            while ((i = Interlocked.Increment(ref next)) < total)
            {
                var started = Stopwatch.GetTimestamp();
                try
                {
                    using var socket = new Socket(AddressFamily.InterNetwork, SocketType.Stream, ProtocolType.Tcp) { NoDelay = true };
                    await socket.ConnectAsync(IPAddress.Loopback, uri.Port);
                    await socket.SendAsync(messages[i], SocketFlags.None);
                    int read, length = 0;
                    while ((read = await socket.ReceiveAsync(buffer.AsMemory(length), SocketFlags.None)) > 0 && (length += read) < buffer.Length) { }
                    var ok = length > 12 && System.Text.Encoding.ASCII.GetString(buffer, 0, 12) is var status && status.StartsWith("HTTP/1.") && status.EndsWith(" 200")
                             && length > System.Text.Encoding.ASCII.GetString(buffer, 0, length).IndexOf("\r\n\r\n", StringComparison.Ordinal) + 100;
                    if (!ok && Interlocked.Increment(ref errors) == 1) Console.WriteLine($"  first error: {System.Text.Encoding.ASCII.GetString(buffer, 0, Math.Min(length, 80))}");
                }
                catch (SocketException e)
                {
                    if (Interlocked.Increment(ref errors) == 1) Console.WriteLine($"  first error: {e.Message}");
                }
                latencies[i] = Stopwatch.GetElapsedTime(started).TotalMilliseconds;
            }
        })));
        var wall = clock.Elapsed;
        Array.Sort(latencies);
        return new LoadResult(total / wall.TotalSeconds, latencies, errors);
    }

    private static byte[] HttpPost(Uri uri, byte[] body)
    {
        var head = System.Text.Encoding.ASCII.GetBytes($"POST {uri.AbsolutePath} HTTP/1.0\r\nHost: {uri.Authority}\r\nContent-Type: application/ocsp-request\r\n" +
                                                       $"Content-Length: {body.Length}\r\nConnection: close\r\n\r\n");
        return [.. head, .. body];
    }

    /// <summary>Our connector on the prepared data directory (the CA and its issued store), SCEP listener on a free port.</summary>
    private sealed class OurOcspTarget : IDisposable
    {
        private readonly Process _process;
        private OurOcspTarget(Process process, string url) { _process = process; Url = url; }
        public string Url { get; }
        public int ProcessId => _process.Id;

        public static async Task<OurOcspTarget> StartAsync(string data, KeySpec responderKey)
        {
            var info = new ProcessStartInfo("dotnet");
            foreach (var a in new[] { Path.Combine(AppContext.BaseDirectory, "certconnector.dll"), "--data-dir", data, "--admin-url", "http://127.0.0.1:0", "--scep-url", "http://127.0.0.1:0" })
                info.ArgumentList.Add(a);
            info.Environment["CERTCONNECTOR_Connector__Logging__Console"] = "false";
            // Only the responder is measured: a PKCS key pool filling in the background (32 RSA keys, about 10 s of a core after
            // start) would take the cores from the first rows.
            info.Environment["CERTCONNECTOR_Connector__Pkcs__KeyPoolEnabled"] = "false";
            info.Environment["CERTCONNECTOR_Connector__Ca__OcspKeySpec"] = responderKey.ToString(); // the key openssl is given too
            var log = new ProcessLog();
            var process = ProcessLog.Start(info, log);
            var ready = Path.Combine(data, "admin.url");
            for (var i = 0; i < 600 && !File.Exists(ready); i++)
            {
                if (process.HasExited) throw new InvalidOperationException($"the connector did not start:{Environment.NewLine}{log.Tail}");
                await Task.Delay(100);
            }
            var scep = File.ReadAllText(Path.Combine(data, "scep.url")).Trim();
            return new OurOcspTarget(process, scep[..scep.LastIndexOf("/scep", StringComparison.Ordinal)] + "/ocsp");
        }

        public void Dispose() => ProcessLog.Stop(_process);
    }

    /// <summary><c>openssl ocsp</c> as a responder, one worker per core (-multi), on a free loopback port.</summary>
    private sealed class OpenSslResponder : IDisposable
    {
        private readonly Process _process;
        private OpenSslResponder(Process process, string url) { _process = process; Url = url; }
        public string Url { get; }
        public int ProcessId => _process.Id;

        public static OpenSslResponder Start(string dir, (string Index, string CaPem, string SignerPem, string SignerKey) files)
        {
            var listener = new TcpListener(IPAddress.Loopback, 0);
            listener.Start();
            var port = ((IPEndPoint)listener.LocalEndpoint).Port;
            listener.Stop();
            var info = new ProcessStartInfo("openssl") { WorkingDirectory = dir };
            foreach (var a in new[] { "ocsp", "-index", files.Index, "-CA", files.CaPem, "-rsigner", files.SignerPem, "-rkey", files.SignerKey,
                         "-port", port.ToString(CultureInfo.InvariantCulture), "-multi", Environment.ProcessorCount.ToString(CultureInfo.InvariantCulture), "-nmin", "60", "-ignore_err" })
                info.ArgumentList.Add(a);
            var process = ProcessLog.Start(info, new ProcessLog());
            // No TCP probe for readiness: openssl 3.0's responder worker spins at full CPU after a connection closed
            // without a request. CheckAsync's first request retries until the port answers instead.
            Thread.Sleep(500);
            return new OpenSslResponder(process, $"http://127.0.0.1:{port}/");
        }

        public void Dispose() => ProcessLog.Stop(_process);
    }
}
