using System.Diagnostics;
using System.Net.Http.Headers;
using System.Net.Http.Json;
using System.Security.Cryptography;
using System.Security.Cryptography.X509Certificates;
using Microsoft.Data.Sqlite;

namespace CertConnector.Bench;

/// <summary>
/// Scale (issue 9): many PKCS requests in flight on one node, and a restart with many in flight, through the real
/// connector process (SQLite journal, built-in CA, standalone queue). The CA is stalled without any product change:
/// the bench holds SQLite's write lock on data/ca/issued.db (BEGIN IMMEDIATE on its own connection), so the CA's insert
/// of each issued certificate waits (busy timeout), fails transiently and is retried with backoff; nothing completes
/// while the lock is held (checked). Figures: accept rate over the admin API, process RSS (VmRSS, VmHWM from
/// /proc/PID/status) and GC heap (dotnet-counters, when it is there) with everything in flight; after a hard kill
/// (SIGKILL) with N in flight and the lock released, the time from the new process's start to its first issued
/// certificate and first completed request, to all completed, and a check that each request completed exactly once
/// (one result, uploaded once; one current certificate per request ID in issued_certificates).
/// Key ec:p256 throughout: RSA key generation (~0.3 s per 2048-bit key here) would dominate every figure.
/// </summary>
public static class ScaleBench
{
    private const string Key = "ec:p256";

    private sealed record Options(int Requests, int RestartRequests, int Concurrency, string[] Phases, int SettleSeconds, int ApiSample, int RssLimitMb)
    {
        public static Options Parse(string[] args)
        {
            string Value(string name, string fallback) => Array.LastIndexOf(args, name) is var i and >= 0 && i + 1 < args.Length ? args[i + 1] : fallback;
            return new(int.Parse(Value("--requests", "100000")), int.Parse(Value("--restart-requests", "10000")),
                int.Parse(Value("--concurrency", "8")),
                Value("--phases", "defaults,all-actors,restart").Split(',', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries),
                int.Parse(Value("--settle-seconds", "30")), int.Parse(Value("--api-sample", "2000")), int.Parse(Value("--rss-limit-mb", "6144")));
        }
    }

    private static readonly List<string> Table = [];

    public static async Task<int> RunAsync(string[] args)
    {
        var options = Options.Parse(args);
        Console.WriteLine($"scale bench: requests {options.Requests}, restart requests {options.RestartRequests}, accept concurrency {options.Concurrency}, key {Key} " +
                          $"(not RSA: RSA key generation would dominate), phases {string.Join(",", options.Phases)}");
        var device = DeviceCertificatePem();
        var failed = false;
        foreach (var phase in options.Phases)
        {
            try
            {
                switch (phase)
                {
                    case "defaults": await InFlightAsync("defaults (MaxInFlight 200)", options, device, maxInFlight: null); break;
                    case "all-actors": await InFlightAsync($"MaxInFlight={options.Requests}", options, device, maxInFlight: Math.Max(options.Requests, 1)); break;
                    case "restart": failed |= !await RestartAsync(options, device); break;
                    default: throw new ArgumentException($"unknown phase '{phase}' (defaults, all-actors, restart)");
                }
            }
            catch (Exception e)
            {
                failed = true;
                Console.WriteLine($"[{phase}] FAILED: {e}");
                Table.Add($"{phase,-28} FAILED: {e.Message}");
            }
        }
        Console.WriteLine();
        Console.WriteLine("summary");
        foreach (var line in Table) Console.WriteLine("  " + line);
        return failed ? 1 : 0;
    }

    // ---- (a)/(b): N requests in flight, CA stalled, memory ----

    private static async Task InFlightAsync(string name, Options options, string device, int? maxInFlight)
    {
        Console.WriteLine();
        Console.WriteLine($"== {name}: {options.Requests} requests in flight, CA stalled ==");
        using var run = new Run();
        var settings = RetrySettings(maxInFlight);
        var host = run.Start(settings);
        var http = await run.ConnectAsync();
        using var stall = await run.StallCaAsync();
        var rssBefore = Memory.Read(host.Id);
        Console.WriteLine($"  started; RSS {Mb(rssBefore.Rss)} before any request");

        var sampler = Memory.Sample(host.Id, out var stopSampling);
        var apiCount = Math.Min(options.Requests, Math.Max(1, options.ApiSample));
        var (accepted, acceptTime) = await AcceptAsync(http, apiCount, options.Concurrency, "scale", device, host, run);
        var apiRate = accepted / acceptTime.TotalSeconds;
        Console.WriteLine($"  accepted {accepted} over the admin API in {acceptTime.TotalSeconds:0.0} s ({apiRate:0}/s, concurrency {options.Concurrency}); " +
                          $"{options.Requests} that way would take ~{options.Requests / apiRate / 60:0} min");
        var bulkTime = TimeSpan.Zero;
        if (options.Requests > accepted)
        {
            // No bulk API: the rest go straight into the standalone queue table, as copies of an API-accepted row (same
            // columns, formats and device certificate; only ID, subject and SAN differ), while the connector runs.
            var bulk = Stopwatch.StartNew();
            accepted += run.BulkEnqueue("scale", accepted, options.Requests);
            bulkTime = bulk.Elapsed;
            Console.WriteLine($"  queued the other {options.Requests - apiCount} directly in standalone.db (pkcs_requests) in {bulkTime.TotalSeconds:0.0} s");
        }

        // Wait until the coordinator has taken as many as it may (all of them for MaxInFlight=all), then let it settle.
        var expectedDownloaded = Math.Min(options.Requests, maxInFlight ?? 200);
        if (maxInFlight is not null) Console.WriteLine("  (BatchSize 500 in this phase, so the coordinator takes 100k in minutes rather than 50 per poll)");
        var wait = Stopwatch.StartNew();
        int downloaded;
        var lastReport = TimeSpan.Zero;
        var overLimit = false;
        int started = 0;
        while (((downloaded = run.Downloaded()) < expectedDownloaded || (started = run.Started("scale")) < expectedDownloaded) && wait.Elapsed < TimeSpan.FromMinutes(20))
        {
            run.ThrowIfExited();
            var rss = Memory.Read(host.Id).Rss;
            if (rss > (long)options.RssLimitMb << 20) { overLimit = true; Console.WriteLine($"  RSS {Mb(rss)} over the bench's safety limit ({options.RssLimitMb} MiB) with {downloaded} downloaded: stopping here"); break; }
            if (wait.Elapsed - lastReport >= TimeSpan.FromSeconds(30))
            {
                lastReport = wait.Elapsed;
                Console.WriteLine($"  ... {downloaded} downloaded, {started} actors started (Downloaded event journaled) after {wait.Elapsed.TotalSeconds:0} s, RSS {Mb(rss)}");
            }
            await Task.Delay(3000);
        }
        Console.WriteLine($"  {downloaded} downloaded (leased), {started} actors started (their Downloaded event journaled) {wait.Elapsed.TotalSeconds:0} s after the last accept; settling {options.SettleSeconds} s");
        if (!overLimit) await Task.Delay(TimeSpan.FromSeconds(options.SettleSeconds));
        run.ThrowIfExited();
        var completed = run.Completed();
        var issued = stall.IssuedCount();
        var mem = Memory.Read(host.Id);
        var gcHeap = await Memory.GcHeapAsync(host.Id);
        stopSampling();
        var peak = await sampler;
        var downloadedNow = run.Downloaded();
        var startedNow = run.Started("scale");
        Console.WriteLine($"  stalled check: {completed} completed, {issued} certificates in issued.db while the lock is held (both must be 0)");
        Console.WriteLine($"  memory with {startedNow} actors started ({downloadedNow} downloaded) / {options.Requests - completed} in flight: RSS {Mb(mem.Rss)}, VmHWM {Mb(mem.Hwm)}, peak RSS sampled {Mb(peak)}, GC heap {(gcHeap is { } g ? Mb(g) : "n/a")}");
        var verdict = Math.Max(mem.Hwm, mem.Rss) < 1L << 30 && (gcHeap ?? 0) < 1L << 30 ? "< 1 GiB OK" : ">= 1 GiB FAIL";
        Table.Add($"{name,-28} accepted {accepted} (API {apiCount} at {apiRate:0}/s, rest bulk in {bulkTime.TotalSeconds:0} s); actors started {startedNow} (downloaded {downloadedNow}) after {wait.Elapsed.TotalSeconds:0} s{(overLimit ? " STOPPED AT RSS LIMIT" : "")}; " +
                  $"RSS {Mb(mem.Rss)}, HWM {Mb(mem.Hwm)}, GC heap {(gcHeap is { } h ? Mb(h) : "n/a")}: {verdict}; completed while stalled {completed}, issued {issued}");
        run.Kill();
    }

    // ---- restart with N in flight ----

    private static async Task<bool> RestartAsync(Options options, string device)
    {
        var n = options.RestartRequests;
        Console.WriteLine();
        Console.WriteLine($"== restart: {n} requests in flight (MaxInFlight={n}), SIGKILL, restart with the CA free ==");
        using var run = new Run();
        var settings = RetrySettings(n);
        var host = run.Start(settings);
        var http = await run.ConnectAsync();
        var setup = Stopwatch.StartNew();
        using (var stall = await run.StallCaAsync())
        {
            var (accepted, acceptTime) = await AcceptAsync(http, n, options.Concurrency, "restart", device, host, run);
            Console.WriteLine($"  accepted {accepted} in {acceptTime.TotalSeconds:0.0} s");
            var startWait = Stopwatch.StartNew();
            while ((run.Downloaded() < n || run.Started("restart") < n) && startWait.Elapsed < TimeSpan.FromMinutes(10))
            {
                run.ThrowIfExited();
                await Task.Delay(2000);
            }
            Console.WriteLine($"  {run.Downloaded()} downloaded, {run.Started("restart")} actors started (Downloaded event journaled) {startWait.Elapsed.TotalSeconds:0} s after the last accept");
            // Let every actor reach the CA at least once (first attempts fail after the 30 s busy timeout or the 60 s CA time-out).
            Console.WriteLine($"  all {n} downloaded; waiting {options.SettleSeconds} s so they are mid-retry");
            await Task.Delay(TimeSpan.FromSeconds(options.SettleSeconds));
            var completed = run.Completed();
            var issued = stall.IssuedCount();
            Console.WriteLine($"  before the kill: {run.Started("restart")} actors started; {completed} completed, {issued} issued (stall held: both 0 expected); RSS {Mb(Memory.Read(host.Id).Rss)}");
            if (completed != 0 || issued != 0) Console.WriteLine("  WARNING: the stall did not hold");
            run.Kill(); // SIGKILL: a crash, nothing flushed or handed over
            Console.WriteLine($"  killed after {setup.Elapsed.TotalSeconds:0} s of setup; releasing the CA lock");
        }

        var clock = Stopwatch.StartNew();
        host = run.Start(settings);
        TimeSpan? firstIssued = null, firstCompleted = null, all = null;
        var lastProgress = TimeSpan.Zero;
        var deadline = TimeSpan.FromMinutes(20);
        var lastCompleted = 0;
        var lastChange = TimeSpan.Zero;
        while (clock.Elapsed < deadline)
        {
            run.ThrowIfExited();
            firstIssued ??= run.IssuedCount() > 0 ? clock.Elapsed : null;
            var completed = run.Completed();
            if (completed > 0) firstCompleted ??= clock.Elapsed;
            if (completed != lastCompleted) { lastCompleted = completed; lastChange = clock.Elapsed; }
            if (completed >= n) { all = clock.Elapsed; break; }
            if (clock.Elapsed - lastProgress > TimeSpan.FromSeconds(10))
            {
                lastProgress = clock.Elapsed;
                Console.WriteLine($"  {clock.Elapsed.TotalSeconds,6:0} s: {completed} completed, RSS {Mb(Memory.Read(host.Id).Rss)}");
            }
            if (clock.Elapsed - lastChange > TimeSpan.FromMinutes(3)) { Console.WriteLine("  no progress for 3 minutes; giving up"); break; }
            await Task.Delay(firstCompleted is null ? 20 : 250);
        }
        // Let any duplicate work that is still under way land before counting.
        await Task.Delay(TimeSpan.FromSeconds(5));
        var check = run.ExactlyOnce(n);
        Console.WriteLine($"  first certificate issued {Secs(firstIssued)}, first request completed {Secs(firstCompleted)}, all {n} completed {Secs(all)} after process start");
        Console.WriteLine($"  exactly once: {check}");
        if (!check.Ok) await run.ExplainAsync(http = await run.ConnectAsync());
        var ok = all is not null && check.Ok && firstCompleted < TimeSpan.FromSeconds(10);
        Table.Add($"{"restart " + n + " in flight",-28} first issued {Secs(firstIssued)}, first completed {Secs(firstCompleted)} (< 10 s {(firstCompleted < TimeSpan.FromSeconds(10) ? "OK" : "FAIL")}), " +
                  $"all completed {Secs(all)}; {check}");
        run.Kill();
        return ok;
    }

    // Retry settings for holding requests in flight: never give up while the CA is stalled (the default 5 attempts would
    // fail them for good within minutes), and retry every few seconds so they move soon after the stall ends.
    private static string[] RetrySettings(int? maxInFlight) =>
    [
        "--Connector:Pkcs:MaxAttempts=1000000", "--Connector:Pkcs:RetryBaseDelay=00:00:02", "--Connector:Pkcs:RetryMaxDelay=00:00:30",
        "--Connector:Pkcs:KeyPoolKeySpecs=ec:p256", "--Connector:Pkcs:PollInterval=00:00:00.200",
        .. maxInFlight is { } m ? new[] { $"--Connector:Pkcs:MaxInFlight={m}", "--Connector:Pkcs:BatchSize=500" } : [],
    ];

    private static async Task<(int Accepted, TimeSpan Time)> AcceptAsync(HttpClient http, int count, int concurrency, string prefix, string device, Process host, Run run)
    {
        var next = -1;
        var accepted = 0;
        var watch = Stopwatch.StartNew();
        var progress = Task.Run(async () =>
        {
            while (Volatile.Read(ref accepted) < count && !host.HasExited)
            {
                await Task.Delay(TimeSpan.FromSeconds(30));
                var a = Volatile.Read(ref accepted);
                if (a < count) Console.WriteLine($"  ... {a} accepted after {watch.Elapsed.TotalSeconds:0} s ({a / watch.Elapsed.TotalSeconds:0}/s), RSS {Mb(Memory.Read(host.Id).Rss)}");
            }
        });
        await Task.WhenAll(Enumerable.Range(0, concurrency).Select(_ => Task.Run(async () =>
        {
            int i;
            while ((i = Interlocked.Increment(ref next)) < count)
            {
                run.ThrowIfExited();
                using var response = await http.PostAsJsonAsync("/api/v1/pkcs/requests", new
                {
                    subject = $"CN={prefix}-{i},O=Bench", sans = new[] { $"upn:{prefix}-{i}@example.com" }, deviceCertificate = device,
                    key = Key, template = "client-auth", requestId = $"{prefix}-{i}",
                });
                response.EnsureSuccessStatusCode();
                Interlocked.Increment(ref accepted);
            }
        })));
        var time = watch.Elapsed;
        await progress;
        return (accepted, time);
    }

    private static string DeviceCertificatePem()
    {
        using var rsa = RSA.Create(2048);
        var request = new CertificateRequest("CN=bench-device", rsa, HashAlgorithmName.SHA256, RSASignaturePadding.Pkcs1);
        using var cert = request.CreateSelfSigned(DateTimeOffset.UtcNow.AddDays(-1), DateTimeOffset.UtcNow.AddDays(30));
        return cert.ExportCertificatePem();
    }

    private static string Mb(long bytes) => $"{bytes / 1048576.0:0} MiB";
    private static string Secs(TimeSpan? t) => t is { } v ? $"{v.TotalSeconds:0.00} s" : "never";

    /// <summary>One data directory and the connector process on it (restartable).</summary>
    private sealed class Run : IDisposable
    {
        private readonly string _dir = Path.Combine(Path.GetTempPath(), $"certconnector-scale-{Guid.NewGuid():N}");
        private Process? _host;
        private HttpClient? _http;

        // Free ports picked once, so a restart listens where the first process did (the machine is shared: 8080 and 4053 may be taken).
        private readonly int _clusterPort = FreePort(), _scepPort = FreePort();

        public Run() => Directory.CreateDirectory(Data);

        private static int FreePort()
        {
            var listener = new System.Net.Sockets.TcpListener(System.Net.IPAddress.Loopback, 0);
            listener.Start();
            var port = ((System.Net.IPEndPoint)listener.LocalEndpoint).Port;
            listener.Stop();
            return port;
        }

        public string Data => Path.Combine(_dir, "data");
        private string IssuedDb => Path.Combine(Data, "ca", "issued.db");

        public Process Start(string[] settings)
        {
            foreach (var f in new[] { "admin.url" }) File.Delete(Path.Combine(Data, f));
            var info = new ProcessStartInfo("dotnet") { UseShellExecute = false, RedirectStandardOutput = true, RedirectStandardError = true };
            foreach (var a in new[] { Path.Combine(AppContext.BaseDirectory, "certconnector.dll"), "--data-dir", Data, "--admin-url", "http://127.0.0.1:0",
                         "--scep-url", $"http://127.0.0.1:{_scepPort}", "--cluster-host", "127.0.0.1", "--cluster-port", _clusterPort.ToString() }.Concat(settings))
                info.ArgumentList.Add(a);
            info.Environment["CERTCONNECTOR_Connector__Logging__Console"] = "false";
            _host = Process.Start(info)!;
            _host.OutputDataReceived += (_, _) => { };
            _host.ErrorDataReceived += (_, e) => { if (e.Data is not null) Console.Error.WriteLine("  [connector] " + e.Data); };
            _host.BeginOutputReadLine();
            _host.BeginErrorReadLine();
            return _host;
        }

        public async Task<HttpClient> ConnectAsync()
        {
            var path = Path.Combine(Data, "admin.url");
            for (var i = 0; i < 1200 && !File.Exists(path); i++)
            {
                ThrowIfExited();
                await Task.Delay(100);
            }
            _http?.Dispose();
            _http = new HttpClient { BaseAddress = new Uri(File.ReadAllText(path).Trim()), Timeout = TimeSpan.FromMinutes(2) };
            _http.DefaultRequestHeaders.Authorization = new AuthenticationHeaderValue("Bearer", File.ReadAllText(Path.Combine(Data, "admin.token")).Trim());
            return _http;
        }

        /// <summary>Holds the write lock of issued.db until disposed; refuses to return before it has it.</summary>
        public async Task<CaStall> StallCaAsync()
        {
            for (var i = 0; i < 600 && !File.Exists(IssuedDb); i++) await Task.Delay(100);
            var db = new SqliteConnection($"Data Source={IssuedDb};Default Timeout=60");
            db.Open();
            using var begin = db.CreateCommand();
            begin.CommandText = "BEGIN IMMEDIATE";
            begin.ExecuteNonQuery();
            return new CaStall(db);
        }

        public void ThrowIfExited()
        {
            if (_host is { HasExited: true } h) throw new InvalidOperationException($"the connector exited (code {h.ExitCode})");
        }

        public void Kill()
        {
            if (_host is { HasExited: false } h)
            {
                h.Kill(true);
                h.WaitForExit();
            }
        }

        private SqliteConnection Open(string path)
        {
            var db = new SqliteConnection($"Data Source={path};Mode=ReadOnly;Default Timeout=60;Pooling=False");
            db.Open();
            return db;
        }

        private long Scalar(string path, string sql)
        {
            if (!File.Exists(path)) return 0;
            using var db = Open(path);
            using var cmd = db.CreateCommand();
            cmd.CommandText = sql;
            return Convert.ToInt64(cmd.ExecuteScalar() ?? 0L);
        }

        private string Standalone => Path.Combine(Data, "standalone.db");

        /// <summary>Copies row {prefix}-0 as {prefix}-from .. {prefix}-(to-1), 5000 per transaction; returns the count inserted.</summary>
        public int BulkEnqueue(string prefix, int from, int to)
        {
            using var db = new SqliteConnection($"Data Source={Standalone};Default Timeout=60");
            db.Open();
            var inserted = 0;
            for (var start = from; start < to; start += 5000)
            {
                using var tx = db.BeginTransaction(deferred: false);
                using var cmd = db.CreateCommand();
                cmd.Transaction = tx;
                cmd.CommandText = """
                    INSERT INTO pkcs_requests (request_id, subject_name, subject_alt_names, template_name, key_spec,
                        device_certificate, certificate_type, on_premises_sid, validity_days, enqueued_at)
                    SELECT @id, replace(subject_name, @old, @new), replace(subject_alt_names, @old || '@', @new || '@'), template_name, key_spec,
                        device_certificate, certificate_type, on_premises_sid, validity_days, @now
                    FROM pkcs_requests WHERE request_id = @old
                    """;
                var id = cmd.Parameters.Add("@id", SqliteType.Text);
                var @new = cmd.Parameters.Add("@new", SqliteType.Text);
                cmd.Parameters.AddWithValue("@old", $"{prefix}-0");
                var now = cmd.Parameters.Add("@now", SqliteType.Text);
                for (var i = start; i < Math.Min(to, start + 5000); i++)
                {
                    id.Value = @new.Value = $"{prefix}-{i}";
                    now.Value = DateTime.UtcNow.ToString("yyyy-MM-dd'T'HH:mm:ss.fffffff'Z'", System.Globalization.CultureInfo.InvariantCulture);
                    inserted += cmd.ExecuteNonQuery();
                }
                tx.Commit();
            }
            return inserted;
        }

        /// <summary>For the requests that broke exactly-once: their issued rows, their result, and the actor's history (admin API).</summary>
        public async Task ExplainAsync(HttpClient http)
        {
            using var db = Open(Standalone);
            using (var attach = db.CreateCommand())
            {
                attach.CommandText = $"ATTACH DATABASE '{IssuedDb}' AS ca";
                attach.ExecuteNonQuery();
            }
            var ids = new List<string>();
            using (var cmd = db.CreateCommand())
            {
                cmd.CommandText = """
                    SELECT request_id FROM pkcs_results WHERE upload_count > 1
                    UNION SELECT request_id FROM ca.issued_certificates WHERE feature = 'pkcs' AND superseded_by IS NOT NULL
                    UNION SELECT q.request_id FROM pkcs_requests q LEFT JOIN pkcs_results r USING (request_id) WHERE r.request_id IS NULL
                    LIMIT 10
                    """;
                using var reader = cmd.ExecuteReader();
                while (reader.Read()) ids.Add(reader.GetString(0));
            }
            Console.WriteLine($"  offending request IDs (up to 10): {string.Join(", ", ids)}");
            foreach (var id in ids)
            {
                using (var cmd = db.CreateCommand())
                {
                    cmd.CommandText = "SELECT rowid, serial, not_before, superseded_by FROM ca.issued_certificates WHERE request_id = @id ORDER BY rowid";
                    cmd.Parameters.AddWithValue("@id", id);
                    using var reader = cmd.ExecuteReader();
                    while (reader.Read())
                        Console.WriteLine($"    {id}: issued row {reader.GetInt64(0)} serial {reader.GetString(1)} not_before {reader.GetString(2)} superseded_by {(reader.IsDBNull(3) ? "-" : reader.GetString(3))}");
                }
                using (var cmd = db.CreateCommand())
                {
                    cmd.CommandText = "SELECT r.serial_number, r.uploaded_at, r.upload_count, q.delivery_count, q.enqueued_at FROM pkcs_results r JOIN pkcs_requests q USING (request_id) WHERE request_id = @id";
                    cmd.Parameters.AddWithValue("@id", id);
                    using var reader = cmd.ExecuteReader();
                    while (reader.Read())
                        Console.WriteLine($"    {id}: result serial {reader.GetString(0)} uploaded_at {reader.GetString(1)} upload_count {reader.GetInt64(2)}; queue delivery_count {reader.GetInt64(3)} enqueued_at {reader.GetString(4)}");
                }
                try { Console.WriteLine($"    {id}: GET /api/v1/pkcs/requests/{id} -> {await http.GetStringAsync($"/api/v1/pkcs/requests/{id}")}"); }
                catch (Exception e) { Console.WriteLine($"    {id}: details unavailable: {e.Message}"); }
            }
        }

        /// <summary>Request actors that have journaled their Downloaded event (connector.db is the SQLite journal).</summary>
        public int Started(string prefix) => (int)Scalar(Path.Combine(Data, "connector.db"),
            $"SELECT COUNT(*) FROM journal WHERE manifest = 'pkcs.downloaded.v1' AND persistence_id LIKE 'pkcs-{prefix}-%'");

        public int Completed() => (int)Scalar(Standalone, "SELECT COUNT(*) FROM pkcs_results");
        public int Downloaded() => (int)Scalar(Standalone, "SELECT COUNT(*) FROM pkcs_requests WHERE delivery_count > 0");
        public int IssuedCount() => (int)Scalar(IssuedDb, "SELECT COUNT(*) FROM issued_certificates WHERE feature = 'pkcs'");

        public OnceCheck ExactlyOnce(int n)
        {
            var results = Scalar(Standalone, "SELECT COUNT(*) FROM pkcs_results");
            var succeeded = Scalar(Standalone, "SELECT COUNT(*) FROM pkcs_results WHERE succeeded = 1");
            var uploadedTwice = Scalar(Standalone, "SELECT COUNT(*) FROM pkcs_results WHERE upload_count > 1");
            var notCompleted = Scalar(Standalone, "SELECT COUNT(*) FROM pkcs_requests WHERE completed_at IS NULL");
            var rows = Scalar(IssuedDb, "SELECT COUNT(*) FROM issued_certificates WHERE feature = 'pkcs'");
            var superseded = Scalar(IssuedDb, "SELECT COUNT(*) FROM issued_certificates WHERE feature = 'pkcs' AND superseded_by IS NOT NULL");
            var withCurrent = Scalar(IssuedDb, "SELECT COUNT(DISTINCT request_id) FROM issued_certificates WHERE feature = 'pkcs' AND superseded_by IS NULL");
            var twoCurrent = Scalar(IssuedDb, "SELECT COUNT(*) FROM (SELECT request_id FROM issued_certificates WHERE feature = 'pkcs' AND superseded_by IS NULL GROUP BY request_id HAVING COUNT(*) > 1)");
            // The serial the request's result carries must be its current certificate's.
            long mismatched = 0;
            if (File.Exists(IssuedDb))
            {
                using var db = Open(Standalone);
                using var attach = db.CreateCommand();
                attach.CommandText = $"ATTACH DATABASE '{IssuedDb}' AS ca";
                attach.ExecuteNonQuery();
                using var cmd = db.CreateCommand();
                cmd.CommandText = """
                    SELECT COUNT(*) FROM pkcs_results r
                    WHERE r.succeeded = 1 AND NOT EXISTS (SELECT 1 FROM ca.issued_certificates c
                        WHERE c.request_id = r.request_id AND c.feature = 'pkcs' AND c.superseded_by IS NULL
                          AND lower(replace(c.serial, ':', '')) = lower(replace(r.serial_number, ':', '')))
                    """;
                mismatched = Convert.ToInt64(cmd.ExecuteScalar());
            }
            return new OnceCheck(n, results, succeeded, uploadedTwice, notCompleted, rows, superseded, withCurrent, twoCurrent, mismatched);
        }

        public void Dispose()
        {
            Kill();
            _http?.Dispose();
            SqliteConnection.ClearAllPools();
            if (Environment.GetEnvironmentVariable("SCALE_KEEP_DATA") is { Length: > 0 }) Console.WriteLine($"  data kept in {_dir}");
            else try { Directory.Delete(_dir, true); } catch (IOException) { }
        }
    }

    private sealed record OnceCheck(int N, long Results, long Succeeded, long UploadedTwice, long NotCompleted, long IssuedRows,
        long Superseded, long RequestsWithCurrent, long RequestsWithTwoCurrent, long ResultSerialNotCurrent)
    {
        public bool Ok => Results == N && Succeeded == N && UploadedTwice == 0 && NotCompleted == 0 && RequestsWithCurrent == N
                          && RequestsWithTwoCurrent == 0 && ResultSerialNotCurrent == 0;

        public override string ToString() =>
            $"{(Ok ? "OK" : "FAIL")}: results {Results}/{N} (succeeded {Succeeded}, uploaded more than once {UploadedTwice}, queue rows not completed {NotCompleted}); " +
            $"issued rows {IssuedRows} (superseded {Superseded}), requests with one current certificate {RequestsWithCurrent}, with more than one {RequestsWithTwoCurrent}, " +
            $"result serial not the current certificate {ResultSerialNotCurrent}";
    }

    /// <summary>The bench's own connection to issued.db, inside BEGIN IMMEDIATE: the CA cannot write until it is disposed.</summary>
    private sealed class CaStall(SqliteConnection db) : IDisposable
    {
        public int IssuedCount()
        {
            using var cmd = db.CreateCommand();
            cmd.CommandText = "SELECT COUNT(*) FROM issued_certificates";
            return Convert.ToInt32(cmd.ExecuteScalar());
        }

        public void Dispose()
        {
            using (var rollback = db.CreateCommand())
            {
                rollback.CommandText = "ROLLBACK";
                rollback.ExecuteNonQuery();
            }
            db.Dispose();
        }
    }

    private static class Memory
    {
        public static (long Rss, long Hwm) Read(int pid)
        {
            long rss = 0, hwm = 0;
            try
            {
                foreach (var line in File.ReadLines($"/proc/{pid}/status"))
                {
                    if (line.StartsWith("VmRSS:")) rss = Kb(line);
                    else if (line.StartsWith("VmHWM:")) hwm = Kb(line);
                }
            }
            catch (IOException) { }
            return (rss, hwm);
            static long Kb(string line) => long.Parse(line.Split(' ', StringSplitOptions.RemoveEmptyEntries)[1]) * 1024;
        }

        /// <summary>Peak RSS, sampled every second until stopped.</summary>
        public static Task<long> Sample(int pid, out Action stop)
        {
            var cts = new CancellationTokenSource();
            stop = cts.Cancel;
            return Task.Run(async () =>
            {
                long peak = 0;
                while (!cts.IsCancellationRequested)
                {
                    peak = Math.Max(peak, Read(pid).Rss);
                    try { await Task.Delay(1000, cts.Token); } catch (OperationCanceledException) { }
                }
                return peak;
            });
        }

        /// <summary>GC heap size after the last collection (all generations), read with dotnet-counters; null if unavailable.</summary>
        public static async Task<long?> GcHeapAsync(int pid)
        {
            var tool = new[] { Path.Combine(Environment.GetFolderPath(Environment.SpecialFolder.UserProfile), ".dotnet", "tools", "dotnet-counters"), "/root/.dotnet/tools/dotnet-counters" }
                .FirstOrDefault(File.Exists);
            if (tool is null) return null;
            var output = Path.Combine(Path.GetTempPath(), $"scale-counters-{Guid.NewGuid():N}");
            try
            {
                var info = new ProcessStartInfo(tool) { UseShellExecute = false, RedirectStandardOutput = true, RedirectStandardError = true };
                foreach (var a in new[] { "collect", "-p", pid.ToString(), "--counters", "System.Runtime", "--refresh-interval", "2",
                             "--duration", "00:00:00:12", "--format", "csv", "-o", output + ".csv" })
                    info.ArgumentList.Add(a);
                using var p = Process.Start(info)!;
                var stdout = p.StandardOutput.ReadToEndAsync();
                var stderr = p.StandardError.ReadToEndAsync();
                using var timeout = new CancellationTokenSource(TimeSpan.FromSeconds(60));
                try { await p.WaitForExitAsync(timeout.Token); } catch (OperationCanceledException) { p.Kill(true); return null; }
                await stdout; await stderr;
                var file = File.Exists(output + ".csv") ? output + ".csv" : Directory.GetFiles(Path.GetTempPath(), Path.GetFileName(output) + "*").FirstOrDefault();
                if (file is null) return null;
                // Timestamp,Provider,Counter Name,Counter Type,Mean/Increment: keep the last value of each heap-size series.
                var last = new Dictionary<string, double>();
                foreach (var line in File.ReadLines(file).Skip(1))
                {
                    var cols = line.Split(',');
                    if (cols.Length < 5) continue;
                    var counter = string.Join(",", cols[2..^2]);
                    if (counter.Contains("last_collection.heap.size", StringComparison.OrdinalIgnoreCase) || counter.StartsWith("GC Heap Size", StringComparison.OrdinalIgnoreCase))
                        if (double.TryParse(cols[^1], System.Globalization.CultureInfo.InvariantCulture, out var v)) last[counter] = v;
                }
                if (last.Count == 0) return null;
                var sum = last.Values.Sum();
                // EventCounters' "GC Heap Size (MB)" is in MB; the meter's heap.size series are in bytes.
                return last.Keys.All(k => k.StartsWith("GC Heap Size", StringComparison.OrdinalIgnoreCase)) ? (long)(sum * 1048576) : (long)sum;
            }
            catch (Exception) { return null; }
            finally
            {
                foreach (var f in Directory.GetFiles(Path.GetTempPath(), Path.GetFileName(output) + "*")) File.Delete(f);
            }
        }
    }
}
