using System.Diagnostics;
using System.Globalization;
using CertConnector.Actors.Common;
using CertConnector.Actors.Ports;
using CertConnector.Adapters.Service.Standalone;

namespace CertConnector.Bench;

/// <summary>
/// Enqueue throughput of each standalone queue (figures, never assertions): the admin API's write path without HTTP. Per queue and
/// round, a fresh standalone.db, <c>--concurrency</c> callers enqueuing <c>--requests</c> requests between them; the median round
/// is printed. Concurrent enqueues share SQLite commits (<see cref="StandaloneDatabase.InWriteTransactionAsync{T}"/>).
/// </summary>
public static class QueueEnqueueBench
{
    public static async Task<int> RunAsync(string[] args)
    {
        string Value(string name, string fallback) => Array.IndexOf(args, name) is var i and >= 0 && i + 1 < args.Length ? args[i + 1] : fallback;
        int requests = int.Parse(Value("--requests", "2000"), CultureInfo.InvariantCulture), concurrency = int.Parse(Value("--concurrency", "32"), CultureInfo.InvariantCulture),
            rounds = int.Parse(Value("--rounds", "3"), CultureInfo.InvariantCulture);
        var only = Value("--queues", "pkcs,revocation,pkcs-import,recrypt").Split(',');
        Console.WriteLine($"Queue enqueue: {requests} requests per round, {concurrency} callers, median of {rounds} rounds, {Environment.ProcessorCount} cores");
        var lease = TimeSpan.FromMinutes(5);
        var queues = new (string Name, Func<StandaloneDatabase, Func<int, Task<bool>>> Open)[]
        {
            ("pkcs", db => { var q = new StandalonePkcsQueue(db, lease, "bench"); return i => q.EnqueueAsync(Pkcs(i)); }),
            ("revocation", db => { var q = new StandaloneRevocationQueue(db, lease, "bench"); return i => q.EnqueueAsync(new RevocationRequest($"v-{i}", $"{i:X8}", RevocationReason.KeyCompromise), null); }),
            ("pkcs-import", db => { var q = new StandalonePkcsImportQueue(db, lease, "bench"); return i => q.EnqueueAsync(new PkcsImportRequest($"im-{i}", "a@b.example", new byte[2048], new byte[256], "oaepSha256", new byte[600])); }),
            ("recrypt", db => { var q = new StandaloneRecryptQueue(db, lease, "bench"); return i => q.EnqueueAsync(new RecryptRequest($"rc-{i}", new byte[512], new byte[600])); }),
        };
        foreach (var (name, open) in queues.Where(q => only.Contains(q.Name)))
        {
            var rates = new List<double>();
            for (var round = 0; round < rounds; round++) rates.Add(await RoundAsync(open, requests, concurrency));
            rates.Sort();
            Console.WriteLine($"  {name,-12} {rates[rates.Count / 2],8:0} requests/s  (rounds: {string.Join(", ", rates.Select(r => r.ToString("0", CultureInfo.InvariantCulture)))})");
        }
        return 0;
    }

    private static PkcsRequest Pkcs(int i) => new($"p-{i}", $"CN=device-{i}", [new SubjectAltName("dns", $"device-{i}.example.com")], "WiFi",
        KeySpec.Parse("rsa:2048"), new byte[600], "device", null, 365);

    private static async Task<double> RoundAsync(Func<StandaloneDatabase, Func<int, Task<bool>>> open, int requests, int concurrency)
    {
        var dir = Path.Combine(Path.GetTempPath(), $"certconnector-enqueue-{Guid.NewGuid():N}");
        try
        {
            using var database = new StandaloneDatabase(Path.Combine(dir, "standalone.db"), TimeSpan.FromSeconds(30));
            var enqueue = open(database);
            if (!await enqueue(-1)) throw new InvalidOperationException("the warm-up request was refused"); // creates the file and tables
            var next = -1;
            var watch = Stopwatch.StartNew();
            await Task.WhenAll(Enumerable.Range(0, concurrency).Select(_ => Task.Run(async () =>
            {
                for (var i = Interlocked.Increment(ref next); i < requests; i = Interlocked.Increment(ref next))
                    if (!await enqueue(i)) throw new InvalidOperationException($"request {i} was refused");
            })));
            return requests / watch.Elapsed.TotalSeconds;
        }
        finally
        {
            Microsoft.Data.Sqlite.SqliteConnection.ClearAllPools();
            try { Directory.Delete(dir, true); } catch (IOException) { }
        }
    }
}
