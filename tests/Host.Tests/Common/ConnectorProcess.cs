using System.Diagnostics;
using System.Text;
using System.Text.Json;

namespace CertConnector.Host.Tests.Common;

/// <summary>
/// The real <c>certconnector</c> executable in its own process, on a data directory of the test's, with
/// the admin API on a free port. The CLI is run as a separate process too, as an operator would.
/// </summary>
public sealed class ConnectorProcess : IDisposable
{
    private readonly Process _process;
    private readonly StringBuilder _output = new();

    private ConnectorProcess(string dataDir, Process process)
    {
        DataDir = dataDir;
        _process = process;
    }

    public string DataDir { get; }
    public string Output { get { lock (_output) return _output.ToString(); } }
    public bool HasExited => _process.HasExited;
    public int ProcessId => _process.Id;

    public static string ExecutableDll => Path.Combine(AppContext.BaseDirectory, "certconnector.dll");

    public static ConnectorProcess Start(string dataDir, params string[] extraArgs) => Start(dataDir, new Dictionary<string, string>(), extraArgs);

    /// <param name="settings">configuration overrides, e.g. ["Scep:ResponseBudget"] = "00:00:00.001" (under Connector:).</param>
    public static ConnectorProcess Start(string dataDir, IReadOnlyDictionary<string, string> settings, params string[] extraArgs) =>
        Start(dataDir, settings, new Dictionary<string, string>(), extraArgs);

    /// <param name="environment">extra environment variables for the process, e.g. CERTCONNECTOR_PG (the connection string when Connector:Database:ConnectionString is not set).</param>
    public static ConnectorProcess Start(string dataDir, IReadOnlyDictionary<string, string> settings, IReadOnlyDictionary<string, string> environment, params string[] extraArgs) =>
        Start(dataDir, settings, environment, workingDirectory: null, extraArgs);

    /// <summary>Started in <paramref name="workingDirectory"/> instead of the test's own.</summary>
    public static ConnectorProcess StartIn(string workingDirectory, string dataDir) =>
        Start(dataDir, new Dictionary<string, string>(), new Dictionary<string, string>(), workingDirectory, []);

    private static ConnectorProcess Start(string dataDir, IReadOnlyDictionary<string, string> settings, IReadOnlyDictionary<string, string> environment,
        string? workingDirectory, string[] extraArgs)
    {
        Directory.CreateDirectory(dataDir);
        File.Delete(Path.Combine(dataDir, "admin.url"));
        var info = Dotnet([ExecutableDll, "--data-dir", dataDir, "--admin-url", "http://127.0.0.1:0", "--scep-url", "http://127.0.0.1:0", .. extraArgs]);
        if (workingDirectory is not null) info.WorkingDirectory = workingDirectory;
        info.Environment["CERTCONNECTOR_Connector__Logging__Console"] = "false";
        // The suite starts dozens of connectors on two cores; each filling its PKCS key pool (about 3 s of one core) would
        // only slow the tests that are not about it. A test that is sets Pkcs:KeyPoolEnabled (settings win).
        info.Environment["CERTCONNECTOR_Connector__Pkcs__KeyPoolEnabled"] = "false";
        foreach (var (key, value) in settings) info.Environment["CERTCONNECTOR_Connector__" + key.Replace(":", "__")] = value;
        foreach (var (key, value) in environment) info.Environment[key] = value;
        var process = new Process { StartInfo = info, EnableRaisingEvents = true };
        var connector = new ConnectorProcess(dataDir, process);
        process.OutputDataReceived += (_, e) => connector.Append(e.Data);
        process.ErrorDataReceived += (_, e) => connector.Append(e.Data);
        process.Start();
        process.BeginOutputReadLine();
        process.BeginErrorReadLine();
        connector.WaitUntil(() => File.Exists(Path.Combine(dataDir, "admin.url")), TimeSpan.FromSeconds(60), "the admin API to listen");
        return connector;
    }

    public string ScepUrl => File.ReadAllText(Path.Combine(DataDir, "scep.url")).Trim();
    public string AdminUrl => File.ReadAllText(Path.Combine(DataDir, "admin.url")).Trim();

    /// <summary>Runs <c>certconnector ARGS</c> against this instance.</summary>
    public CliResult Cli(params string[] args) => RunCli(DataDir, args);

    public static CliResult RunCli(string dataDir, params string[] args) => RunCli(dataDir, null, args);

    /// <summary>Runs <c>certconnector ARGS</c> with <paramref name="stdin"/> (UTF-8) on its standard input.</summary>
    public CliResult CliWithInput(string stdin, params string[] args) => RunCli(DataDir, stdin, args);

    /// <summary>Runs <c>certconnector ARGS</c> for <paramref name="dataDir"/> with <paramref name="stdin"/> on its standard input (null: inherited).</summary>
    public static CliResult RunCli(string dataDir, string? stdin, string[] args)
    {
        var info = Dotnet([ExecutableDll, .. args, "--data-dir", dataDir]);
        if (stdin is not null)
        {
            info.RedirectStandardInput = true;
            info.StandardInputEncoding = new System.Text.UTF8Encoding(false);
        }
        using var process = Process.Start(info)!;
        if (stdin is not null)
        {
            process.StandardInput.Write(stdin);
            process.StandardInput.Close();
        }
        var stdout = process.StandardOutput.ReadToEndAsync();
        var stderr = process.StandardError.ReadToEndAsync();
        if (!process.WaitForExit(TimeSpan.FromSeconds(60)))
        {
            process.Kill(true);
            process.WaitForExit();
            return new CliResult(-1, stdout.Result, $"(killed after 60 s: certconnector {string.Join(' ', args)})\n{stderr.Result}");
        }
        return new CliResult(process.ExitCode, stdout.Result, stderr.Result);
    }

    /// <summary>Polls (with a short pause) until the condition holds; this is waiting on another process, not a timing assertion.</summary>
    public void WaitUntil(Func<bool> condition, TimeSpan timeout, string what)
    {
        var deadline = DateTime.UtcNow + timeout;
        while (!condition())
        {
            if (_process.HasExited) throw new InvalidOperationException($"certconnector exited ({_process.ExitCode}) while waiting for {what}:\n{Output}");
            if (DateTime.UtcNow > deadline) throw new TimeoutException($"Timed out waiting for {what}.\n{Output}");
            Thread.Sleep(100);
        }
    }

    public JsonElement Show(string requestId)
    {
        var result = Cli("pkcs", "show", requestId);
        return result.ExitCode == 0 ? JsonDocument.Parse(result.Stdout).RootElement.Clone() : default;
    }

    public void WaitForQueueStatus(string requestId, string status, TimeSpan timeout) => WaitUntil(() =>
    {
        var show = Show(requestId);
        return show.ValueKind == JsonValueKind.Object && show.GetProperty("queueStatus").GetString() == status;
    }, timeout, $"request {requestId} to be {status}");

    /// <summary>SIGKILL: no shutdown hooks, no flush; what survives is what was persisted.</summary>
    public void Kill()
    {
        if (!_process.HasExited) _process.Kill(entireProcessTree: true);
        _process.WaitForExit();
    }

    /// <summary>SIGINT, as Ctrl-C: the node leaves the cluster and stops.</summary>
    public int Interrupt(TimeSpan timeout)
    {
        using (var kill = Process.Start("kill", ["-INT", _process.Id.ToString()])) kill.WaitForExit();
        return WaitForExit(timeout, "SIGINT");
    }

    /// <summary>SIGTERM, as systemd or Kubernetes stop a service: the node leaves the cluster, hands its shards over and stops.</summary>
    public int Terminate(TimeSpan timeout)
    {
        using (var kill = Process.Start("kill", ["-TERM", _process.Id.ToString()])) kill.WaitForExit();
        return WaitForExit(timeout, "SIGTERM");
    }

    /// <summary>Waits for the process to end on its own (e.g. after <c>cluster leave</c> of itself).</summary>
    public int WaitForExit(TimeSpan timeout, string why = "leaving")
    {
        if (!_process.WaitForExit(timeout)) throw new TimeoutException($"certconnector did not stop after {why}.\n{Output}");
        // WaitForExit(timeout) returns before the asynchronous output readers have seen the end of the stream;
        // only the parameterless overload waits for them, so the last lines (e.g. "Exiting completed") are in Output.
        _process.WaitForExit();
        return _process.ExitCode;
    }

    public void Dispose() => Kill();

    private void Append(string? line)
    {
        if (line is null) return;
        lock (_output) _output.AppendLine(line);
    }

    private static ProcessStartInfo Dotnet(IEnumerable<string> args)
    {
        var info = new ProcessStartInfo("dotnet") { RedirectStandardOutput = true, RedirectStandardError = true, UseShellExecute = false };
        foreach (var a in args) info.ArgumentList.Add(a);
        info.Environment.Remove(DataDirTokenVariable);
        // A test's connector lives seconds and a CLI run less: the JIT's profile-guided tier (instrument, then recompile
        // what is hot) costs them more CPU than it wins back (about 0.6 s of 3.8 per connector restart here). A JIT policy
        // only; what the program does is the same.
        info.Environment["DOTNET_TieredPGO"] = "0";
        return info;
    }

    private const string DataDirTokenVariable = "CERTCONNECTOR_TOKEN";
}

public sealed record CliResult(int ExitCode, string Stdout, string Stderr)
{
    public JsonElement Json => JsonDocument.Parse(Stdout).RootElement.Clone();
    public override string ToString() => $"exit {ExitCode}\nstdout: {Stdout}\nstderr: {Stderr}";
}
