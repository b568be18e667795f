using System.Diagnostics;
using System.Globalization;

namespace CertConnector.Bench.Scep;

/// <summary>
/// SCEP enrollment throughput and latency against our connector, against <c>scepserver</c> on the same machine, or
/// against any SCEP URL. Keys are generated once, before anything is timed, and used by every target.
/// </summary>
public static class ScepBench
{
    public static async Task<int> RunAsync(string[] args)
    {
        var options = ScepBenchOptions.Parse(args);
        if (!options.ClientRsaValidation) ClientRsaValidation.Disable();
        // "scepserver" is the same-size row (our CA's key size, known once ours answered GetCACert), "scepserver-4096" its default.
        var targets = options.Target switch
        {
            "both" => new[] { "ours", "scepserver" }.Concat(options.ScepServerDefaultKeySize > 0 ? [DefaultSizeName(options)] : Array.Empty<string>()).ToArray(),
            var t => [t],
        };
        Console.WriteLine($"SCEP enrollment load: N={options.Requests} per level, C={string.Join(",", options.Concurrency)}, warm-up {options.WarmupFirst} before the first level and {options.Warmup} before " +
                          $"every other (not timed, not in the CPU figures), RSA-2048 requester keys, PKCSReq AES-128-CBC/SHA-256");
        Console.WriteLine($"machine: {Environment.ProcessorCount} cores, load average {LoadAverage()}");
        Console.WriteLine(ClientRsaValidation.Describe());

        // The floor is priced before any server runs: RSA-2048 for the RA, and every CA size a row may use.
        var caSizes = new[] { options.ScepServerKeySize ?? 3072, 3072, options.ScepServerDefaultKeySize }.Where(b => b > 0).Distinct().ToList();
        var floor = CryptoFloor.Measure(caSizes);
        Console.WriteLine($"openssl speed (one core): {floor.Describe(caSizes)}");

        // Every level gets its own requesters: a subject enrolled before would be a retransmission, answered from memory.
        var keygen = Stopwatch.StartNew();
        // Subjects are named by level (concurrency, and the level's index only when a concurrency repeats), so that runs with
        // other levels find the same keys in the cache.
        string Tag(int c, int level) => options.Concurrency.Take(level).Contains(c) ? $"c{c}-{level}" : $"c{c}";
        var warmups = options.Concurrency.Select((c, level) => ScepLoadGenerator.CreateRequesters(
            Enumerable.Range(0, level == 0 ? options.WarmupFirst : options.Warmup)
                .Select(i => level == 0 ? $"CN=bench-warmup-{i}" : $"CN=bench-warmup-{Tag(c, level)}-{i}").ToList(), options.KeyCache)).ToList();
        var timed = options.Concurrency.Select((c, level) => ScepLoadGenerator.CreateRequesters(
            Enumerable.Range(0, options.Requests).Select(i => $"CN=bench-{Tag(c, level)}-{i}").ToList(), options.KeyCache)).ToList();
        Console.WriteLine($"generated {warmups.Sum(w => w.Length) + timed.Sum(t => t.Length)} RSA-2048 keys + self-signed certificates in {keygen.Elapsed.TotalSeconds:0.0} s " +
                          $"({Environment.ProcessorCount} in parallel; {(options.KeyCache is null ? "no key cache" : $"keys kept in {options.KeyCache}")}), untimed");

        var results = new List<ScepRunResult>();
        var caBits = new Dictionary<string, int>();
        var errors = 0;
        int? oursCaBits = null;
        foreach (var name in targets)
        {
            try
            {
                var bits = name == "scepserver" ? options.ScepServerKeySize ?? oursCaBits ?? 3072 : name == DefaultSizeName(options) ? options.ScepServerDefaultKeySize : 0;
                using var target = await StartAsync(name, bits, options);
                if (target is OurScepTarget)
                {
                    oursCaBits = await CaKeyBitsAsync(target.Url);
                    bits = oursCaBits ?? 0;
                }
                caBits[target.Name] = bits;
                Console.WriteLine($"[{target.Name}] {target.Description}{(bits > 0 && target is OurScepTarget ? $", RSA-{bits} CA" : "")}" +
                                  $"{(target is OurScepTarget && options.OursEnvironment.Count > 0 ? $", environment {string.Join(" ", options.OursEnvironment.Select(e => $"{e.Key}={e.Value}"))}" : "")}");
                for (var level = 0; level < options.Concurrency.Count; level++)
                {
                    var pid = target.ProcessId;
                    var result = await ScepLoadGenerator.RunAsync(target.Name, target.Urls, warmups[level], timed[level],
                        options.Concurrency[level], target.ChallengeForAsync, TimeSpan.FromSeconds(options.TimeoutSeconds),
                        pid is { } id ? () => TimeSpan.FromSeconds(ProcessTreeCpu.Seconds(id)) : null);
                    Console.WriteLine($"[{target.Name}] C={options.Concurrency[level]}: challenges + CSRs + PKCSReqs prepared in {result.PrepareTime.TotalSeconds:0.0} s (untimed); " +
                                      $"timed run {result.Wall.TotalSeconds:0.00} s; client CertRep check {result.MeanDecodeMs:0.0} ms/enrollment; load average {LoadAverage()}");
                    // CPU per enrollment hardly depends on what else runs on the machine, unlike the rate.
                    if (result.ServerCpuMsPerEnrollment is { } cpu)
                        Console.WriteLine(string.Create(CultureInfo.InvariantCulture,
                            $"[{target.Name}]   server CPU {cpu:0.0} ms per enrollment (timed phase, /proc/{pid}/stat)"));
                    if (result.Polled > 0)
                        Console.WriteLine($"[{target.Name}]   {result.Polled} enrollment(s) answered PENDING first and polled (counted with their full latency)");
                    foreach (var (reason, count) in result.Failures.OrderByDescending(f => f.Value))
                        Console.WriteLine($"[{target.Name}]   failure x{count}: {reason}");
                    if (result.DuplicateSerials > 0)
                        Console.WriteLine($"[{target.Name}]   WARNING: {result.DuplicateSerials} certificate(s) issued with an issuer+serial already issued in this run");
                    if (result.Failures.Count > 0 && target is OurScepTarget ours && ours.LogTail.Length > 0)
                        Console.WriteLine($"[{target.Name}] connector log tail:{Environment.NewLine}{ours.LogTail}");
                    results.Add(result);
                }
            }
            catch (Exception e)
            {
                errors++;
                Console.Error.WriteLine($"[{name}] did not run: {e.GetType().Name}: {e.Message}");
            }
        }

        string Floor(ScepRunResult r) => caBits.GetValueOrDefault(r.Target) is var b and > 0 && r.ServerCpuMsPerEnrollment is { } cpu
            ? string.Create(CultureInfo.InvariantCulture, $"{cpu / floor.EnrollmentMs(b):0.0}x") : "n/a";
        Console.WriteLine();
        Console.WriteLine($"{"target",-16} {"CA",5} {"N",5} {"C",4} {"enrollments/s",14} {"p50 ms",9} {"p99 ms",9} {"failures",9} {"CPU ms/enr",11} {"CPU/floor",10}");
        foreach (var r in results)
            Console.WriteLine(string.Create(CultureInfo.InvariantCulture,
                $"{r.Target,-16} {caBits.GetValueOrDefault(r.Target),5} {r.Requests,5} {r.Concurrency,4} {r.EnrollmentsPerSecond,14:0.0} {r.Percentile(0.50),9:0.0} {r.Percentile(0.99),9:0.0} {r.FailureCount,9} " +
                $"{(r.ServerCpuMsPerEnrollment is { } cpu ? cpu.ToString("0.0", CultureInfo.InvariantCulture) : "n/a"),11} {Floor(r),10}" +
                $"{(r.DuplicateSerials > 0 ? $"  ({r.DuplicateSerials} duplicate serials)" : "")}"));
        foreach (var theirs in targets.Where(t => t != "ours"))
            foreach (var c in options.Concurrency)
            {
                var o = results.FirstOrDefault(r => r.Target == "ours" && r.Concurrency == c);
                var s = results.FirstOrDefault(r => r.Target == theirs && r.Concurrency == c);
                if (o is not null && s is not null && s.EnrollmentsPerSecond > 0)
                    Console.WriteLine(string.Create(CultureInfo.InvariantCulture,
                        $"C={c,-3} ratio ours/{theirs} enrollments/s: {o.EnrollmentsPerSecond / s.EnrollmentsPerSecond:0.00}x " +
                        $"(p50 {o.Percentile(0.5) / s.Percentile(0.5):0.00}x, p99 {o.Percentile(0.99) / s.Percentile(0.99):0.00}x of its latency)"));
            }

        // Issue 21's goals, from this run only.
        Console.WriteLine();
        Console.WriteLine($"{"goal (issue 21), ours",-46} {string.Join(" ", options.Concurrency.Select(c => $"{"C=" + c,9}"))}");
        string Row(Func<ScepRunResult, ScepRunResult?, string> cell) => string.Join(" ", options.Concurrency.Select(c =>
        {
            var o = results.FirstOrDefault(r => r.Target == "ours" && r.Concurrency == c);
            var s = results.FirstOrDefault(r => r.Target == "scepserver" && r.Concurrency == c);
            return $"{(o is null ? "n/a" : cell(o, s)),9}";
        }));
        Console.WriteLine($"{"server CPU per enrollment / floor (<= 2x)",-46} {Row((o, _) => Floor(o))}");
        Console.WriteLine($"{$"rate / scepserver RSA-{caBits.GetValueOrDefault("scepserver")} CA (>= 1.5x)",-46} {Row((o, s) => s is null || s.EnrollmentsPerSecond <= 0 ? "n/a"
            : string.Create(CultureInfo.InvariantCulture, $"{o.EnrollmentsPerSecond / s.EnrollmentsPerSecond:0.00}x"))}");
        Console.WriteLine($"{"p99 ms (< 1000 at C=64)",-46} {Row((o, _) => o.Percentile(0.99).ToString("0", CultureInfo.InvariantCulture))}");
        Console.WriteLine($"{"failures (0)",-46} {Row((o, _) => o.FailureCount.ToString(CultureInfo.InvariantCulture))}");
        Console.WriteLine($"load average at end: {LoadAverage()}");
        // Exit 1 when a target could not be measured or our server failed an enrollment; the reference server's
        // own failures (scepserver's file depot races under concurrency) are reported above but are not ours.
        return errors == 0 && results.Where(r => !r.Target.StartsWith("scepserver", StringComparison.Ordinal)).All(r => r.FailureCount == 0) ? 0 : 1;
    }

    private static string DefaultSizeName(ScepBenchOptions options) => $"scepserver-{options.ScepServerDefaultKeySize}";

    private static async Task<IScepTarget> StartAsync(string name, int bits, ScepBenchOptions options) => name switch
    {
        "ours" => await OurScepTarget.StartAsync(options.OursEnvironment),
        _ when name.StartsWith("scepserver", StringComparison.Ordinal) => await ScepServerTarget.StartAsync(name, bits),
        _ when name.StartsWith(ConnectorInstancesTarget.Prefix, StringComparison.Ordinal) => ConnectorInstancesTarget.Open(name),
        _ => new ExternalScepTarget(name, options.Challenge),
    };

    /// <summary>The CA's RSA key size from GetCACert (the certificate that is a CA), or null.</summary>
    private static async Task<int?> CaKeyBitsAsync(string url)
    {
        using var http = new HttpClient { Timeout = TimeSpan.FromSeconds(30) };
        var (certs, _) = await ScepLoadGenerator.GetCaCertAsync(http, url, CancellationToken.None);
        return certs.FirstOrDefault(c => c.GetBasicConstraints() >= 0)?.GetPublicKey() is Org.BouncyCastle.Crypto.Parameters.RsaKeyParameters rsa
            ? rsa.Modulus.BitLength : null;
    }

    private static string LoadAverage()
    {
        try { return string.Join(' ', File.ReadAllText("/proc/loadavg").Split(' ').Take(3)); }
        catch (IOException) { return "n/a"; }
    }
}
