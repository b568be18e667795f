using System.Collections.Concurrent;
using System.Diagnostics;
using System.Net;
using System.Net.Http.Headers;
using System.Net.Http.Json;
using System.Net.Sockets;

namespace CertConnector.Bench.Scep;

/// <summary>A SCEP server under test: where it answers and the challenge a given subject's CSR must carry.</summary>
public interface IScepTarget : IDisposable
{
    string Name { get; }
    string Url { get; }
    /// <summary>Every SCEP URL of the target; clients are spread over them round-robin (one per cluster instance).</summary>
    IReadOnlyList<string> Urls => [Url];
    string Description { get; }
    Task<string?> ChallengeForAsync(string subject, CancellationToken ct);
    /// <summary>The server's process on this machine, when the bench started it (for its CPU time); null otherwise.</summary>
    int? ProcessId => null;
}

/// <summary>A SCEP URL run elsewhere, with an optional shared challenge.</summary>
public sealed class ExternalScepTarget(string url, string? challenge) : IScepTarget
{
    public string Name => "url";
    public string Url { get; } = url.TrimEnd('/');
    public string Description => $"{Url} (challenge {(challenge is null ? "none" : "shared")})";
    public Task<string?> ChallengeForAsync(string subject, CancellationToken ct) => Task.FromResult(challenge);
    public void Dispose() { }
}

/// <summary>
/// Connector instances already running (e.g. a cluster started by bench/run-cluster.sh), named by their data
/// directories: the SCEP URL, admin URL and admin token are read from the files each instance writes there. Clients are
/// spread over the instances' SCEP URLs; one-time challenges are minted round-robin on their admin APIs (they are in the
/// shared database, so any instance accepts any of them).
/// </summary>
public sealed class ConnectorInstancesTarget : IScepTarget
{
    private readonly HttpClient[] _admins;
    private int _next = -1;

    private ConnectorInstancesTarget(IReadOnlyList<string> urls, HttpClient[] admins)
    {
        Urls = urls;
        _admins = admins;
    }

    public const string Prefix = "connectors:";
    public string Name => "ours";
    public string Url => Urls[0];
    public IReadOnlyList<string> Urls { get; }
    public string Description => $"{Urls.Count} running connector instance(s): {string.Join(", ", Urls)} (one-time challenges)";

    public static ConnectorInstancesTarget Open(string target)
    {
        var dirs = target[Prefix.Length..].Split(',', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries);
        if (dirs.Length == 0) throw new ArgumentException($"{Prefix} needs at least one data directory");
        string Read(string dir, string file) => File.Exists(Path.Combine(dir, file)) ? File.ReadAllText(Path.Combine(dir, file)).Trim()
            : throw new FileNotFoundException($"{Path.Combine(dir, file)} not found: is the connector running with --data-dir {dir} and SCEP enabled?");
        var admins = dirs.Select(dir =>
        {
            var admin = new HttpClient { BaseAddress = new Uri(Read(dir, "admin.url")), Timeout = TimeSpan.FromSeconds(30) };
            admin.DefaultRequestHeaders.Authorization = new AuthenticationHeaderValue("Bearer", Read(dir, "admin.token"));
            return admin;
        }).ToArray();
        return new ConnectorInstancesTarget(dirs.Select(dir => Read(dir, "scep.url")).ToList(), admins);
    }

    public Task<string?> ChallengeForAsync(string subject, CancellationToken ct) =>
        OurScepTarget.MintChallengeAsync(_admins[(int)((uint)Interlocked.Increment(ref _next) % _admins.Length)], subject, ct);

    public void Dispose()
    {
        foreach (var admin in _admins) admin.Dispose();
    }
}

/// <summary>Keeps the last lines a child process wrote, to show when it fails; kills children still running at exit.</summary>
internal sealed class ProcessLog
{
    private static readonly ConcurrentDictionary<Process, bool> Running = new();
    private readonly ConcurrentQueue<string> _lines = new();

    static ProcessLog()
    {
        // SIGTERM / Ctrl-C skip finally blocks: stop what we started anyway.
        AppDomain.CurrentDomain.ProcessExit += (_, _) =>
        {
            foreach (var p in Running.Keys)
                try { if (!p.HasExited) p.Kill(entireProcessTree: true); } catch (InvalidOperationException) { }
        };
    }

    public void Append(string? line)
    {
        if (line is null) return;
        _lines.Enqueue(line);
        while (_lines.Count > 40) _lines.TryDequeue(out _);
    }

    public string Tail => string.Join(Environment.NewLine, _lines);

    public static Process Start(ProcessStartInfo info, ProcessLog log)
    {
        info.UseShellExecute = false;
        ClientRsaValidation.RestoreFor(info);
        info.RedirectStandardOutput = true;
        info.RedirectStandardError = true;
        var process = Process.Start(info) ?? throw new InvalidOperationException($"could not start {info.FileName}");
        Running[process] = true;
        process.OutputDataReceived += (_, e) => log.Append(e.Data);
        process.ErrorDataReceived += (_, e) => log.Append(e.Data);
        process.BeginOutputReadLine();
        process.BeginErrorReadLine();
        return process;
    }

    public static void Stop(Process process)
    {
        Running.TryRemove(process, out _);
        try
        {
            if (!process.HasExited)
            {
                process.Kill(entireProcessTree: true);
                process.WaitForExit(10_000);
            }
        }
        catch (InvalidOperationException) { }
        finally { process.Dispose(); }
    }
}

/// <summary>
/// Our connector, started as PkcsEndToEndBench does (embedded default: SQLite journal, built-in CA, standalone
/// service) with the SCEP listener on a free loopback port; challenges are minted one per subject over the admin API.
/// </summary>
public sealed class OurScepTarget : IScepTarget
{
    private readonly string _dir;
    private readonly Process _process;
    private readonly ProcessLog _log = new();
    private readonly HttpClient _admin;

    private OurScepTarget(string dir, Process process, string scepUrl, HttpClient admin)
    {
        _dir = dir;
        _process = process;
        Url = scepUrl;
        _admin = admin;
    }

    public string Name => "ours";
    public string Url { get; }
    public string Description => $"{Url} (certconnector, embedded default, one-time challenges)";

    public static async Task<OurScepTarget> StartAsync(IEnumerable<KeyValuePair<string, string>>? environment = null)
    {
        var dir = Path.Combine(Path.GetTempPath(), $"certconnector-scepbench-{Guid.NewGuid():N}");
        var data = Path.Combine(dir, "data");
        Directory.CreateDirectory(data);
        var info = new ProcessStartInfo("dotnet");
        foreach (var a in new[] { Path.Combine(AppContext.BaseDirectory, "certconnector.dll"), "--data-dir", data,
                     "--admin-url", "http://127.0.0.1:0", "--scep-url", "http://127.0.0.1:0" })
            info.ArgumentList.Add(a);
        info.Environment["CERTCONNECTOR_Connector__Logging__Console"] = "false";
        // PKCS's key pool would fill itself in the background during the SCEP load: a steady-state instance has a full, idle
        // pool, so a filling one is PKCS's start-up CPU in the SCEP figures. Off here (--ours-env can turn it on again).
        info.Environment["CERTCONNECTOR_Connector__Pkcs__KeyPoolEnabled"] = "false";
        foreach (var (name, value) in environment ?? []) info.Environment[name] = value;
        var log = new ProcessLog();
        Process? process = null;
        try
        {
            process = ProcessLog.Start(info, log);
            var adminUrlFile = Path.Combine(data, "admin.url");
            for (var i = 0; i < 600 && !File.Exists(adminUrlFile); i++)
            {
                if (process.HasExited) throw new InvalidOperationException($"the connector did not start:{Environment.NewLine}{log.Tail}");
                await Task.Delay(100);
            }
            if (!File.Exists(adminUrlFile)) throw new TimeoutException($"the connector did not start within 60 s:{Environment.NewLine}{log.Tail}");
            var admin = new HttpClient { BaseAddress = new Uri(File.ReadAllText(adminUrlFile).Trim()), Timeout = TimeSpan.FromSeconds(30) };
            admin.DefaultRequestHeaders.Authorization =
                new AuthenticationHeaderValue("Bearer", File.ReadAllText(Path.Combine(data, "admin.token")).Trim());
            var scepUrl = File.ReadAllText(Path.Combine(data, "scep.url")).Trim();
            return new OurScepTarget(dir, process, scepUrl, admin);
        }
        catch
        {
            if (process is not null) ProcessLog.Stop(process);
            TryDelete(dir);
            throw;
        }
    }

    public Task<string?> ChallengeForAsync(string subject, CancellationToken ct) => MintChallengeAsync(_admin, subject, ct);

    /// <summary>A one-time challenge for <paramref name="subject"/> from a connector's admin API.</summary>
    internal static async Task<string?> MintChallengeAsync(HttpClient admin, string subject, CancellationToken ct)
    {
        using var response = await admin.PostAsJsonAsync("/api/v1/scep/challenges", new { subject, ttl = "60m" }, ct);
        if (!response.IsSuccessStatusCode)
            throw new InvalidOperationException($"minting a challenge failed: HTTP {(int)response.StatusCode} {await response.Content.ReadAsStringAsync(ct)}");
        var body = await response.Content.ReadFromJsonAsync<MintedChallenge>(ct);
        return body?.Challenge ?? throw new InvalidDataException("the challenge response has no challenge");
    }

    private sealed record MintedChallenge(string? Challenge);

    public string LogTail => _log.Tail;

    public int? ProcessId => _process.Id;

    public void Dispose()
    {
        _admin.Dispose();
        ProcessLog.Stop(_process);
        TryDelete(_dir);
    }

    internal static void TryDelete(string dir)
    {
        try { Directory.Delete(dir, true); } catch (IOException) { } catch (UnauthorizedAccessException) { }
    }
}

/// <summary>
/// <c>scepserver</c> (micromdm/scep, Debian package <c>scep</c>) with a fresh file depot, one shared challenge and
/// renewal always allowed so that any number of certificates can be issued. It listens on all interfaces (it has
/// no address flag); the benchmark only talks to it over loopback and stops it at the end.
/// </summary>
public sealed class ScepServerTarget : IScepTarget
{
    public const string Challenge = "secret";
    private readonly string _dir;
    private readonly Process _process;

    private ScepServerTarget(string name, string dir, Process process, string url, int keySize)
    {
        Name = name;
        _dir = dir;
        _process = process;
        Url = url;
        KeySize = keySize;
    }

    public string Name { get; }
    public int? ProcessId => _process.Id;
    public string Url { get; }
    public int KeySize { get; }
    public string Description => $"{Url} (scepserver, file depot, RSA-{KeySize} CA, shared challenge)";

    public static string? Executable() =>
        new[] { "/usr/bin/scepserver", "/usr/local/bin/scepserver" }.FirstOrDefault(File.Exists);

    public static async Task<ScepServerTarget> StartAsync(string name, int keySize)
    {
        var exe = Executable() ?? throw new FileNotFoundException("scepserver not found: apt-get install -y scep");
        var dir = Path.Combine(Path.GetTempPath(), $"scepserver-bench-{Guid.NewGuid():N}");
        var depot = Path.Combine(dir, "depot");
        Directory.CreateDirectory(dir);
        Process? server = null;
        try
        {
            // scepserver ca -init -depot DIR -keySize BITS
            var initLog = new ProcessLog();
            var init = new ProcessStartInfo(exe) { WorkingDirectory = dir };
            foreach (var a in new[] { "ca", "-init", "-depot", depot, "-keySize", keySize.ToString(), "-organization", "scep-bench" })
                init.ArgumentList.Add(a);
            var p = ProcessLog.Start(init, initLog);
            try
            {
                if (!p.WaitForExit(120_000)) throw new TimeoutException("scepserver ca -init did not finish within 120 s");
                p.WaitForExit();
                if (p.ExitCode != 0) throw new InvalidOperationException($"scepserver ca -init failed ({p.ExitCode}):{Environment.NewLine}{initLog.Tail}");
            }
            finally
            {
                ProcessLog.Stop(p);
            }

            var port = FreePort();
            var log = new ProcessLog();
            var run = new ProcessStartInfo(exe) { WorkingDirectory = dir };
            foreach (var a in new[] { "-depot", depot, "-port", port.ToString(), "-challenge", Challenge, "-allowrenew", "0" })
                run.ArgumentList.Add(a);
            server = ProcessLog.Start(run, log);
            var url = $"http://127.0.0.1:{port}/scep";
            using var http = new HttpClient { Timeout = TimeSpan.FromSeconds(2) };
            for (var i = 0; ; i++)
            {
                if (server.HasExited) throw new InvalidOperationException($"scepserver exited:{Environment.NewLine}{log.Tail}");
                try
                {
                    using var response = await http.GetAsync(url + "?operation=GetCACaps");
                    if (response.IsSuccessStatusCode) break;
                }
                catch (HttpRequestException) { }
                catch (TaskCanceledException) { }
                if (i >= 300) throw new TimeoutException($"scepserver did not answer GetCACaps within 30 s:{Environment.NewLine}{log.Tail}");
                await Task.Delay(100);
            }
            return new ScepServerTarget(name, dir, server, url, keySize);
        }
        catch
        {
            if (server is not null) ProcessLog.Stop(server);
            OurScepTarget.TryDelete(dir);
            throw;
        }
    }

    public Task<string?> ChallengeForAsync(string subject, CancellationToken ct) => Task.FromResult<string?>(Challenge);

    public void Dispose()
    {
        ProcessLog.Stop(_process);
        OurScepTarget.TryDelete(_dir);
    }

    private static int FreePort()
    {
        using var listener = new TcpListener(IPAddress.Loopback, 0);
        listener.Start();
        return ((IPEndPoint)listener.LocalEndpoint).Port;
    }
}
