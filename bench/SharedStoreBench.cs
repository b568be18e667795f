using System.Diagnostics;
using System.Globalization;
using System.Security.Cryptography;
using System.Security.Cryptography.X509Certificates;
using CertConnector.Actors.Common;
using CertConnector.Actors.Ports;
using CertConnector.Adapters.Service.Standalone;
using Npgsql;

namespace CertConnector.Bench;

/// <summary>
/// The cluster's shared stores on PostgreSQL (figures, never assertions): 1, 4 and 16 clients at once, each its own
/// <see cref="StandaloneDatabase"/> handle and pool, standing for one connector instance. Each client repeats the store
/// work of a request on the hot path: a PKCS request enqueued, leased, its result uploaded; a SCEP challenge minted and
/// spent. Prints store operations/s per client count, so a database-wide lock (rates flat as clients grow) shows at once.
/// The server is CERTCONNECTOR_PG's (tests/postgres.sh starts one); each round gets a database of its own.
/// </summary>
public static class SharedStoreBench
{
    private const int OperationsPerCycle = 5; // enqueue, download, upload, mint, validate

    public static async Task<int> RunAsync(string[] args)
    {
        string Value(string name, string fallback) => Array.IndexOf(args, name) is var i and >= 0 && i + 1 < args.Length ? args[i + 1] : fallback;
        var clients = Value("--clients", "1,4,16").Split(',').Select(c => int.Parse(c, CultureInfo.InvariantCulture)).ToList();
        var seconds = double.Parse(Value("--seconds", "10"), CultureInfo.InvariantCulture);
        var server = Environment.GetEnvironmentVariable("CERTCONNECTOR_PG");
        if (string.IsNullOrEmpty(server))
        {
            Console.Error.WriteLine("CERTCONNECTOR_PG is not set: run `source tests/postgres.sh && postgres_up` first.");
            return 2;
        }
        var csr = Csr();
        Console.WriteLine($"Shared stores on PostgreSQL: {seconds:0} s per client count, {OperationsPerCycle} store operations per cycle, {Environment.ProcessorCount} cores");
        Console.WriteLine("  clients  operations/s  ratio to 1 client  p50 cycle ms  p99 cycle ms");
        double? single = null;
        foreach (var count in clients)
        {
            var (rate, p50, p99) = await RoundAsync(server, count, seconds, csr);
            single ??= rate;
            Console.WriteLine(string.Create(CultureInfo.InvariantCulture, $"  {count,7}  {rate,12:0}  {rate / single.Value,17:0.00}  {p50,12:0.0}  {p99,12:0.0}"));
        }
        return 0;
    }

    private static async Task<(double Rate, double P50, double P99)> RoundAsync(string server, int clients, double seconds, byte[] csr)
    {
        var name = $"certconnector_storebench_{Guid.NewGuid():N}"[..40];
        await using (var admin = new NpgsqlConnection(server))
        {
            await admin.OpenAsync();
            await using var create = new NpgsqlCommand($"CREATE DATABASE \"{name}\"", admin);
            await create.ExecuteNonQueryAsync();
        }
        var connection = new NpgsqlConnectionStringBuilder(server) { Database = name }.ConnectionString;
        var handles = Enumerable.Range(0, clients).Select(_ => StandaloneDatabase.Postgres(connection)).ToList();
        try
        {
            var lease = TimeSpan.FromMinutes(5);
            var queues = handles.Select((h, i) => new StandalonePkcsQueue(h, lease, $"instance-{i}")).ToList();
            var challenges = handles.Select(h => new StandaloneScepChallenges(h)).ToList();
            foreach (var q in queues) await q.InitializeAsync();
            await Cycle(queues[0], challenges[0], csr, -1); // creates the challenge table too

            var cycles = new List<double>[clients];
            var stop = Stopwatch.StartNew();
            var next = 0;
            await Task.WhenAll(Enumerable.Range(0, clients).Select(c => Task.Run(async () =>
            {
                cycles[c] = [];
                while (stop.Elapsed.TotalSeconds < seconds)
                {
                    var started = Stopwatch.GetTimestamp();
                    await Cycle(queues[c], challenges[c], csr, Interlocked.Increment(ref next));
                    cycles[c].Add(Stopwatch.GetElapsedTime(started).TotalMilliseconds);
                }
            })));
            var elapsed = stop.Elapsed.TotalSeconds;
            var all = cycles.SelectMany(c => c).Order().ToList();
            return (all.Count * OperationsPerCycle / elapsed, all[all.Count / 2], all[(int)(all.Count * 0.99)]);
        }
        finally
        {
            foreach (var h in handles) h.Dispose();
            NpgsqlConnection.ClearAllPools();
            await using var admin = new NpgsqlConnection(server);
            await admin.OpenAsync();
            await using var drop = new NpgsqlCommand($"DROP DATABASE IF EXISTS \"{name}\" WITH (FORCE)", admin);
            await drop.ExecuteNonQueryAsync();
        }
    }

    /// <summary>One request's store work: its own enqueue, one lease (whichever request is oldest), its result, one challenge spent.</summary>
    private static async Task Cycle(StandalonePkcsQueue queue, StandaloneScepChallenges challenges, byte[] csr, int i)
    {
        if (!await queue.EnqueueAsync(new PkcsRequest($"p-{i}", $"CN=device-{i}", [], "WiFi", KeySpec.Parse("ec:p256"), new byte[600], "device", null, 365)))
            throw new InvalidOperationException($"request {i} was refused");
        foreach (var leased in await queue.DownloadPkcsRequestsAsync(1, default))
        {
            var summary = await queue.UploadResultsAsync([new PkcsResult(leased.RequestId, false, ErrorCode: "Bench", ErrorMessage: "bench")]);
            if (summary.Stored != 1) throw new InvalidOperationException($"the result of {leased.RequestId} was not stored once: {summary}");
        }
        var minted = await challenges.MintAsync("CN=bench-device", [], TimeSpan.FromHours(1));
        var verdict = await challenges.ValidateAsync(new ScepValidationRequest($"tx-{i}", csr, minted.Challenge, "192.0.2.1"), default);
        if (!verdict.Valid) throw new InvalidOperationException($"challenge {i} was refused: {verdict.Code} {verdict.Description}");
    }

    private static byte[] Csr()
    {
        using var key = ECDsa.Create(ECCurve.NamedCurves.nistP256);
        return new CertificateRequest("CN=bench-device", key, HashAlgorithmName.SHA256).CreateSigningRequest();
    }
}
