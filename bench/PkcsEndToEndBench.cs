using System.Diagnostics;
using System.Net.Http.Headers;
using System.Net.Http.Json;
using System.Security.Cryptography;
using System.Security.Cryptography.X509Certificates;
using Microsoft.Data.Sqlite;

namespace CertConnector.Bench;

/// <summary>
/// PKCS end to end through the real connector process (embedded default: SQLite journal, built-in CA,
/// standalone service): N requests queued over the admin API, measured until every result is uploaded.
/// Latency is queue → result uploaded, read from the standalone store's own timestamps.
/// </summary>
public static class PkcsEndToEndBench
{
    public static async Task RunAsync(BenchOptions options)
    {
        var dir = Path.Combine(Path.GetTempPath(), $"certconnector-bench-{Guid.NewGuid():N}");
        var data = Path.Combine(dir, "data");
        Directory.CreateDirectory(data);
        using var host = StartHost(data);
        try
        {
            var url = await WaitForFile(Path.Combine(data, "admin.url"), host);
            using var http = new HttpClient { BaseAddress = new Uri(url) };
            http.DefaultRequestHeaders.Authorization = new AuthenticationHeaderValue("Bearer", File.ReadAllText(Path.Combine(data, "admin.token")).Trim());
            var device = DeviceCertificatePem();

            var watch = Stopwatch.StartNew();
            for (var i = 0; i < options.Requests; i++)
            {
                var response = await http.PostAsJsonAsync("/api/v1/pkcs/requests", new
                {
                    subject = $"CN=bench-{i},O=Bench", sans = new[] { $"upn:bench-{i}@example.com" }, deviceCertificate = device,
                    key = options.Key, template = "client-auth", requestId = $"bench-{i}",
                });
                response.EnsureSuccessStatusCode();
            }
            var queued = watch.Elapsed;
            while (Completed(data) < options.Requests)
            {
                if (host.HasExited) throw new InvalidOperationException("the connector exited during the benchmark");
                await Task.Delay(50);
            }
            var total = watch.Elapsed;
            var latencies = Latencies(data);
            Console.WriteLine($"PKCS end to end ({options.Requests} requests, key {options.Key}, one node, SQLite)");
            Console.WriteLine($"  queued in {queued.TotalSeconds:0.00} s; all uploaded after {total.TotalSeconds:0.00} s");
            Console.WriteLine($"  throughput {options.Requests / total.TotalSeconds:0.0} requests/s");
            Console.WriteLine($"  latency p50 {Percentile(latencies, 0.50):0} ms   p99 {Percentile(latencies, 0.99):0} ms   max {latencies.Max():0} ms");
        }
        finally
        {
            if (!host.HasExited) host.Kill(true);
            try { Directory.Delete(dir, true); } catch (IOException) { }
        }
    }

    private static Process StartHost(string data)
    {
        var info = new ProcessStartInfo("dotnet") { UseShellExecute = false, RedirectStandardOutput = true, RedirectStandardError = true };
        foreach (var a in new[] { Path.Combine(AppContext.BaseDirectory, "certconnector.dll"), "--data-dir", data, "--admin-url", "http://127.0.0.1:0", "--scep-url", "http://127.0.0.1:0" })
            info.ArgumentList.Add(a);
        info.Environment["CERTCONNECTOR_Connector__Logging__Console"] = "false";
        info.Environment["CERTCONNECTOR_Connector__Pkcs__PollInterval"] = "00:00:00.200";
        var process = Process.Start(info)!;
        process.OutputDataReceived += (_, _) => { };
        process.ErrorDataReceived += (_, e) => { if (e.Data is not null) Console.Error.WriteLine(e.Data); };
        process.BeginOutputReadLine();
        process.BeginErrorReadLine();
        return process;
    }

    /// <summary>The text of a file the connector writes once it listens (admin.url, admin.token); fails if it exits first.</summary>
    internal static async Task<string> WaitForFile(string path, Process host)
    {
        for (var i = 0; i < 600 && !File.Exists(path); i++)
        {
            if (host.HasExited) throw new InvalidOperationException("the connector did not start");
            await Task.Delay(100);
        }
        return File.ReadAllText(path).Trim();
    }

    private static string DeviceCertificatePem()
    {
        using var rsa = RSA.Create(2048);
        var request = new CertificateRequest("CN=bench-device", rsa, HashAlgorithmName.SHA256, RSASignaturePadding.Pkcs1);
        using var cert = request.CreateSelfSigned(DateTimeOffset.UtcNow.AddDays(-1), DateTimeOffset.UtcNow.AddDays(30));
        return cert.ExportCertificatePem();
    }

    private static SqliteConnection Open(string data)
    {
        var db = new SqliteConnection($"Data Source={Path.Combine(data, "standalone.db")};Mode=ReadOnly");
        db.Open();
        return db;
    }

    private static int Completed(string data)
    {
        using var db = Open(data);
        using var cmd = db.CreateCommand();
        cmd.CommandText = "SELECT COUNT(*) FROM pkcs_results WHERE succeeded = 1";
        return Convert.ToInt32(cmd.ExecuteScalar());
    }

    private static List<double> Latencies(string data)
    {
        using var db = Open(data);
        using var cmd = db.CreateCommand();
        cmd.CommandText = "SELECT q.enqueued_at, r.uploaded_at FROM pkcs_requests q JOIN pkcs_results r USING (request_id)";
        using var reader = cmd.ExecuteReader();
        var list = new List<double>();
        while (reader.Read())
            list.Add((DateTimeOffset.Parse(reader.GetString(1)) - DateTimeOffset.Parse(reader.GetString(0))).TotalMilliseconds);
        list.Sort();
        return list;
    }

    private static double Percentile(List<double> sorted, double p) => sorted[Math.Clamp((int)Math.Ceiling(p * sorted.Count) - 1, 0, sorted.Count - 1)];
}
