using System.Diagnostics;

namespace CertConnector.Host.Tests.Common;

/// <summary>A certconnector command line that must exit (refused settings, CLI commands without a server).</summary>
public static class ConnectorRun
{
    /// <summary>
    /// Runs <c>certconnector ARGS</c> in a fresh working directory and waits for it to exit (a server that starts is a
    /// failure). CERTCONNECTOR_PG, which tests/run.sh sets, is removed: start-up cases are about what is configured.
    /// </summary>
    /// <param name="environment">extra environment variables for the process; a null value removes the variable.</param>
    public static (int ExitCode, string Output, string WorkDir) RunToExit(string workPrefix, IEnumerable<string> arguments, IReadOnlyDictionary<string, string?>? environment = null)
    {
        var args = arguments.ToArray();
        var work = Tools.TempDir(workPrefix);
        var info = new ProcessStartInfo("dotnet") { RedirectStandardOutput = true, RedirectStandardError = true, UseShellExecute = false, WorkingDirectory = work };
        info.ArgumentList.Add(ConnectorProcess.ExecutableDll);
        foreach (var a in args) info.ArgumentList.Add(a);
        info.Environment["CERTCONNECTOR_Connector__Logging__Console"] = "false";
        info.Environment.Remove("CERTCONNECTOR_PG");
        foreach (var (name, value) in environment ?? new Dictionary<string, string?>())
            if (value is null) info.Environment.Remove(name);
            else info.Environment[name] = value;
        using var process = Process.Start(info)!;
        var stdout = process.StandardOutput.ReadToEndAsync();
        var stderr = process.StandardError.ReadToEndAsync();
        if (!process.WaitForExit(TimeSpan.FromSeconds(60)))
        {
            process.Kill(true);
            throw new TimeoutException($"certconnector {string.Join(' ', args)} did not exit: it started a server.\n{stdout.Result}{stderr.Result}");
        }
        return (process.ExitCode, (stdout.Result + stderr.Result).Trim(), work);
    }
}
