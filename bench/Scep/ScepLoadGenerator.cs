using System.Collections.Concurrent;
using System.Diagnostics;
using System.Net.Http.Headers;
using CertConnector.Adapters.Scep;
using CertConnector.Adapters.Scep.Client;
using Org.BouncyCastle.Crypto;
using Org.BouncyCastle.X509;

namespace CertConnector.Bench.Scep;

/// <summary>One requester: its key, the throw-away self-signed certificate it signs with, its subject.</summary>
public sealed record Requester(string Subject, AsymmetricCipherKeyPair Key, X509Certificate SelfSigned);

/// <summary>What one timed run against one SCEP URL measured.</summary>
public sealed record ScepRunResult(string Target, string Url, int Requests, int Concurrency, TimeSpan Wall, int Successes,
    int Pending, int Polled, IReadOnlyList<double> LatenciesMs, IReadOnlyDictionary<string, int> Failures, TimeSpan PrepareTime, int DuplicateSerials, double MeanDecodeMs, TimeSpan? ServerCpu = null)
{
    /// <summary>The server's CPU time (all cores) over the timed phase per successful enrollment, in ms.</summary>
    public double? ServerCpuMsPerEnrollment => ServerCpu is { } cpu && Successes > 0 ? cpu.TotalMilliseconds / Successes : null;

    public double EnrollmentsPerSecond => Successes / Wall.TotalSeconds;
    public int FailureCount => Requests - Successes;
    public double Percentile(double p) => LatenciesMs.Count == 0 ? double.NaN
        : LatenciesMs[Math.Clamp((int)Math.Ceiling(p * LatenciesMs.Count) - 1, 0, LatenciesMs.Count - 1)];
}

/// <summary>
/// SCEP enrollment load against any SCEP URL: GetCACert, then (untimed) a CSR and PKCSReq per requester with the
/// challenge the target wants, then (timed) C workers POSTing PKIOperation and decoding each CertRep. An enrollment
/// counts when the CertRep verifies against the RA, says SUCCESS and carries a certificate for the requester's key.
/// Latency is the HTTP exchange (request sent to response body read) of successful enrollments. Certificates issued
/// with an issuer and serial number already issued in the run (warm-up included) are counted apart: a CA must not.
/// </summary>
public static class ScepLoadGenerator
{
    /// <summary>Generates requester keys and self-signed certificates in parallel (one worker per core). With
    /// <paramref name="keyCache"/>, a subject's key is read from (or, new, written to) that directory as PKCS#8: a server
    /// started afresh has never seen it, and a run no longer waits minutes for key generation on a loaded machine.</summary>
    public static Requester[] CreateRequesters(IReadOnlyList<string> subjects, string? keyCache = null)
    {
        if (keyCache is not null) Directory.CreateDirectory(keyCache);
        var result = new Requester[subjects.Count];
        Parallel.For(0, subjects.Count, new ParallelOptions { MaxDegreeOfParallelism = Environment.ProcessorCount }, i =>
        {
            var file = keyCache is null ? null : Path.Combine(keyCache, Convert.ToHexString(System.Security.Cryptography.SHA256.HashData(
                System.Text.Encoding.UTF8.GetBytes(subjects[i])))[..32] + ".p8");
            AsymmetricCipherKeyPair key;
            if (file is not null && File.Exists(file))
            {
                var priv = (Org.BouncyCastle.Crypto.Parameters.RsaPrivateCrtKeyParameters)Org.BouncyCastle.Security.PrivateKeyFactory.CreateKey(File.ReadAllBytes(file));
                key = new AsymmetricCipherKeyPair(new Org.BouncyCastle.Crypto.Parameters.RsaKeyParameters(false, priv.Modulus, priv.PublicExponent), priv);
            }
            else
            {
                key = Adapters.Crypto.KeyGeneration.GenerateDotNet(Actors.Common.KeySpec.Rsa2048);
                if (file is not null)
                {
                    var temporary = file + "." + Environment.ProcessId + ".tmp";
                    File.WriteAllBytes(temporary, Org.BouncyCastle.Pkcs.PrivateKeyInfoFactory.CreatePrivateKeyInfo(key.Private).GetDerEncoded());
                    File.Move(temporary, file, overwrite: true);
                }
            }
            result[i] = new Requester(subjects[i], key, ScepClient.SelfSigned(key, subjects[i]));
        });
        return result;
    }

    /// <summary>Client k of C sends to <paramref name="urls"/>[k mod urls.Count]; GetCACert comes from the first (instances of one
    /// connector share the CA and RA). <paramref name="serverCpu"/>, when given, is read just before and just after the timed
    /// phase (after the warm-up), so the result's CPU is the steady state's.</summary>
    public static async Task<ScepRunResult> RunAsync(string target, IReadOnlyList<string> urls, Requester[] warmup, Requester[] timed, int concurrency,
        Func<string, CancellationToken, Task<string?>> challengeFor, TimeSpan timeout, Func<TimeSpan?>? serverCpu = null)
    {
        using var deadline = new CancellationTokenSource(timeout);
        var ct = deadline.Token;
        using var http = new HttpClient(new SocketsHttpHandler
        {
            MaxConnectionsPerServer = concurrency, // per instance: clients k, k+n, ... share one instance's URL
            PooledConnectionLifetime = TimeSpan.FromMinutes(10),
            UseProxy = false,
        }) { Timeout = TimeSpan.FromSeconds(60) };

        var url = urls[0];
        var (caCerts, ra) = await GetCaCertAsync(http, url, ct);
        var client = new ScepClient(ra);

        var prepare = Stopwatch.StartNew();
        var warmupMessages = await BuildAsync(client, warmup, challengeFor, ct);
        var timedMessages = await BuildAsync(client, timed, challengeFor, ct);
        prepare.Stop();

        // Warm-up: connections opened, JIT and caches warm on both sides; not counted.
        var warmupOutcomes = warmupMessages.Length > 0 ? await DriveAsync(http, urls, ra, warmupMessages, concurrency, ct) : [];

        var cpuBefore = serverCpu?.Invoke();
        var watch = Stopwatch.StartNew();
        var outcomes = await DriveAsync(http, urls, ra, timedMessages, concurrency, ct);
        watch.Stop();
        var cpuAfter = serverCpu?.Invoke();

        var latencies = outcomes.Where(o => o.Success).Select(o => o.LatencyMs).Order().ToList();
        var failures = outcomes.Where(o => !o.Success).GroupBy(o => o.Failure!).ToDictionary(g => g.Key, g => g.Count());
        var notRun = timed.Length - outcomes.Count;
        if (notRun > 0) failures["not sent (time-out)"] = notRun;
        var duplicates = warmupOutcomes.Concat(outcomes).Where(o => o.Issued is not null).GroupBy(o => o.Issued).Sum(g => g.Count() - 1);
        return new ScepRunResult(target, string.Join(",", urls), timed.Length, concurrency, watch.Elapsed, latencies.Count,
            outcomes.Count(o => o.Failure == "PENDING"), outcomes.Count(o => o.Polls > 0), latencies, failures, prepare.Elapsed, duplicates,
            outcomes.Count == 0 ? 0 : outcomes.Average(o => o.DecodeMs), cpuAfter - cpuBefore);
    }

    /// <summary>GetCACert: a DER certificate, or a degenerate PKCS#7 whose encryption recipient is the RA.</summary>
    public static async Task<(IReadOnlyList<X509Certificate> Certs, X509Certificate Recipient)> GetCaCertAsync(HttpClient http, string url,
        CancellationToken ct)
    {
        using var response = await http.GetAsync(url + "?operation=GetCACert", ct);
        response.EnsureSuccessStatusCode();
        var body = await response.Content.ReadAsByteArrayAsync(ct);
        IReadOnlyList<X509Certificate> certs = response.Content.Headers.ContentType?.MediaType == "application/x-x509-ca-ra-cert"
            ? ScepClient.ParseDegenerate(body).Certs
            : [new X509Certificate(body)];
        if (certs.Count == 0) throw new InvalidDataException("GetCACert returned no certificate");
        return (certs, ScepClient.SelectRecipient(certs));
    }

    private sealed record Prepared(Requester Requester, byte[] Message);

    private sealed record Outcome(bool Success, double LatencyMs, string? Failure, string? Issued = null, double DecodeMs = 0, int Polls = 0);

    private static async Task<Prepared[]> BuildAsync(ScepClient client, Requester[] requesters,
        Func<string, CancellationToken, Task<string?>> challengeFor, CancellationToken ct)
    {
        // Challenges first (may be HTTP calls to an admin API), then the CPU work in parallel.
        var challenges = new string?[requesters.Length];
        for (var i = 0; i < requesters.Length; i++) challenges[i] = await challengeFor(requesters[i].Subject, ct);
        var prepared = new Prepared[requesters.Length];
        Parallel.For(0, requesters.Length, new ParallelOptions { MaxDegreeOfParallelism = Environment.ProcessorCount, CancellationToken = ct }, i =>
        {
            var r = requesters[i];
            var csr = ScepClient.CreateCsr(r.Key, r.Subject, challenges[i]);
            prepared[i] = new Prepared(r, client.PkcsReq(csr, r.SelfSigned, r.Key.Private).Bytes);
        });
        return prepared;
    }

    private static async Task<List<Outcome>> DriveAsync(HttpClient http, IReadOnlyList<string> urls, X509Certificate ra, Prepared[] messages, int concurrency,
        CancellationToken ct)
    {
        var outcomes = new ConcurrentBag<Outcome>();
        var next = -1;
        var endpoints = urls.Select(url => new Uri(url + "?operation=PKIOperation")).ToArray();

        async Task Worker(Uri endpoint)
        {
            while (!ct.IsCancellationRequested)
            {
                var i = Interlocked.Increment(ref next);
                if (i >= messages.Length) return;
                outcomes.Add(await EnrollAsync(http, endpoint, ra, messages[i], ct));
            }
        }

        await Task.WhenAll(Enumerable.Range(0, Math.Min(concurrency, Math.Max(messages.Length, 1))).Select(k => Task.Run(() => Worker(endpoints[k % endpoints.Length]), CancellationToken.None)));
        return outcomes.ToList();
    }

    /// <summary>How long a client waits before sending its PKCSReq again after PENDING, and how often it does (a device polls).</summary>
    private static readonly TimeSpan PollInterval = TimeSpan.FromSeconds(1);
    private const int MaxPolls = 60;

    /// <summary>
    /// One enrollment as a device does it: PENDING (the server's answer when the outcome takes longer than its response budget)
    /// is followed by the same PKCSReq again after <see cref="PollInterval"/> (RFC 8894 section 3.3.3 allows a resent
    /// request in place of CertPoll), until a final answer. Latency runs from the first send to the final answer.
    /// </summary>
    private static async Task<Outcome> EnrollAsync(HttpClient http, Uri endpoint, X509Certificate ra, Prepared p, CancellationToken ct)
    {
        var start = Stopwatch.GetTimestamp();
        for (var polls = 0; ; polls++)
        {
            var outcome = await SendOnceAsync(http, endpoint, ra, p, start, ct);
            if (outcome.Failure != "PENDING" || polls == MaxPolls) return outcome with { Polls = polls };
            try { await Task.Delay(PollInterval, ct); }
            catch (OperationCanceledException) { return outcome with { Polls = polls }; }
        }
    }

    private static async Task<Outcome> SendOnceAsync(HttpClient http, Uri endpoint, X509Certificate ra, Prepared p, long start, CancellationToken ct)
    {
        byte[] body;
        double latency;
        try
        {
            using var content = new ByteArrayContent(p.Message);
            content.Headers.ContentType = new MediaTypeHeaderValue("application/x-pki-message");
            using var response = await http.PostAsync(endpoint, content, ct);
            body = await response.Content.ReadAsByteArrayAsync(ct);
            latency = Stopwatch.GetElapsedTime(start).TotalMilliseconds;
            if (!response.IsSuccessStatusCode) return new Outcome(false, latency, $"HTTP {(int)response.StatusCode}");
        }
        catch (Exception e) when (e is HttpRequestException or TaskCanceledException or OperationCanceledException)
        {
            return new Outcome(false, Stopwatch.GetElapsedTime(start).TotalMilliseconds, e.GetType().Name);
        }

        var decodeStart = Stopwatch.GetTimestamp();
        try
        {
            // micromdm's scepserver envelopes every CertRep with single DES whatever the request used: the client opens it.
            var rep = ScepClient.DecodeCertRep(body, [ra], p.Requester.SelfSigned, p.Requester.Key.Private, allowSingleDes: true);
            if (rep.Status == ScepPkiStatus.Pending) return new Outcome(false, latency, "PENDING");
            if (rep.Status != ScepPkiStatus.Success) return new Outcome(false, latency, $"FAILURE {rep.FailInfo}");
            var issued = rep.Certificates.FirstOrDefault(c => c.GetPublicKey().Equals(p.Requester.Key.Public));
            if (issued is null) return new Outcome(false, latency, "SUCCESS without the requester's certificate");
            return new Outcome(true, latency, null, $"{issued.IssuerDN}#{issued.SerialNumber.ToString(16)}",
                Stopwatch.GetElapsedTime(decodeStart).TotalMilliseconds);
        }
        catch (Exception e)
        {
            return new Outcome(false, latency, $"bad CertRep: {e.GetType().Name}: {e.Message}");
        }
    }
}
