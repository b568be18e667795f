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
        var targets = options.Target switch
        {
            "both" => new[] { "ours", "scepserver" },
            var t => [t],
        };
        Console.WriteLine($"SCEP enrollment load: N={options.Requests} per level, C={string.Join(",", options.Concurrency)}, warm-up {options.Warmup} per target, " +
                          $"RSA-2048 requester keys, PKCSReq AES-128-CBC/SHA-256");
        Console.WriteLine($"machine: {Environment.ProcessorCount} cores, load average {LoadAverage()}");
        Console.WriteLine(ClientRsaValidation.Describe());

        // Every level gets its own requesters: a subject enrolled before would be a retransmission, answered from memory.
        var keygen = Stopwatch.StartNew();
        var warmup = ScepLoadGenerator.CreateRequesters(Enumerable.Range(0, options.Warmup).Select(i => $"CN=bench-warmup-{i}").ToList());
        var timed = options.Concurrency.Select((c, level) => ScepLoadGenerator.CreateRequesters(
            Enumerable.Range(0, options.Requests).Select(i => $"CN=bench-c{c}-{level}-{i}").ToList())).ToList();
        Console.WriteLine($"generated {warmup.Length + timed.Sum(t => t.Length)} RSA-2048 keys + self-signed certificates in {keygen.Elapsed.TotalSeconds:0.0} s " +
                          $"({Environment.ProcessorCount} in parallel), untimed");

        var results = new List<ScepRunResult>();
        var errors = 0;
        foreach (var name in targets)
        {
            try
            {
                using var target = await StartAsync(name, options);
                Console.WriteLine($"[{target.Name}] {target.Description}");
                for (var level = 0; level < options.Concurrency.Count; level++)
                {
                    var cpuBefore = (target as OurScepTarget)?.ServerCpu;
                    var result = await ScepLoadGenerator.RunAsync(target.Name, target.Urls, level == 0 ? warmup : [], timed[level],
                        options.Concurrency[level], target.ChallengeForAsync, TimeSpan.FromSeconds(options.TimeoutSeconds));
                    Console.WriteLine($"[{target.Name}] C={options.Concurrency[level]}: challenges + CSRs + PKCSReqs prepared in {result.PrepareTime.TotalSeconds:0.0} s (untimed); " +
                                      $"timed run {result.Wall.TotalSeconds:0.00} s; client CertRep check {result.MeanDecodeMs:0.0} ms/enrollment; load average {LoadAverage()}");
                    // CPU per enrollment hardly depends on what else runs on the machine, unlike the rate (warm-up included at the first level).
                    if (cpuBefore is { } before && target is OurScepTarget server && result.Successes > 0)
                        Console.WriteLine(string.Create(CultureInfo.InvariantCulture,
                            $"[{target.Name}]   server CPU {(server.ServerCpu - before).TotalMilliseconds / result.Successes:0.0} ms per enrollment"));
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

        Console.WriteLine();
        Console.WriteLine($"{"target",-12} {"N",6} {"C",4} {"enrollments/s",14} {"p50 ms",9} {"p99 ms",9} {"failures",9}");
        foreach (var r in results)
            Console.WriteLine(string.Create(CultureInfo.InvariantCulture,
                $"{r.Target,-12} {r.Requests,6} {r.Concurrency,4} {r.EnrollmentsPerSecond,14:0.0} {r.Percentile(0.50),9:0.0} {r.Percentile(0.99),9:0.0} {r.FailureCount,9}{(r.DuplicateSerials > 0 ? $"  ({r.DuplicateSerials} duplicate serials)" : "")}"));
        foreach (var c in options.Concurrency)
        {
            var o = results.FirstOrDefault(r => r.Target == "ours" && r.Concurrency == c);
            var s = results.FirstOrDefault(r => r.Target == "scepserver" && r.Concurrency == c);
            if (o is not null && s is not null && s.EnrollmentsPerSecond > 0)
                Console.WriteLine(string.Create(CultureInfo.InvariantCulture,
                    $"C={c,-3} ratio ours/scepserver enrollments/s: {o.EnrollmentsPerSecond / s.EnrollmentsPerSecond:0.00}x " +
                    $"(p50 {o.Percentile(0.5) / s.Percentile(0.5):0.00}x, p99 {o.Percentile(0.99) / s.Percentile(0.99):0.00}x of scepserver's latency)"));
        }
        var oursBest = results.Where(r => r.Target == "ours").Select(r => r.EnrollmentsPerSecond).DefaultIfEmpty().Max();
        var theirsBest = results.Where(r => r.Target == "scepserver").Select(r => r.EnrollmentsPerSecond).DefaultIfEmpty().Max();
        if (oursBest > 0 && theirsBest > 0)
            Console.WriteLine(string.Create(CultureInfo.InvariantCulture,
                $"best rate: ours {oursBest:0.0}/s, scepserver {theirsBest:0.0}/s: {oursBest / theirsBest:0.00}x (goal: 5x)"));
        Console.WriteLine($"load average at end: {LoadAverage()}");
        // Exit 1 when a target could not be measured or our server failed an enrollment; the reference server's
        // own failures (scepserver's file depot races under concurrency) are reported above but are not ours.
        return errors == 0 && results.Where(r => r.Target != "scepserver").All(r => r.FailureCount == 0) ? 0 : 1;
    }

    private static async Task<IScepTarget> StartAsync(string name, ScepBenchOptions options) => name switch
    {
        "ours" => await OurScepTarget.StartAsync(),
        "scepserver" => await ScepServerTarget.StartAsync(options.ScepServerKeySize),
        _ when name.StartsWith(ConnectorInstancesTarget.Prefix, StringComparison.Ordinal) => ConnectorInstancesTarget.Open(name),
        _ => new ExternalScepTarget(name, options.Challenge),
    };

    private static string LoadAverage()
    {
        try { return string.Join(' ', File.ReadAllText("/proc/loadavg").Split(' ').Take(3)); }
        catch (IOException) { return "n/a"; }
    }
}
