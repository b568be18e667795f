using System.Diagnostics;

namespace CertConnector.Host.Tests;

/// <summary>Runs tools nobody here wrote (openssl) and makes scratch directories.</summary>
public static class Tools
{
    public static string Run(string file, params string[] args)
    {
        var info = new ProcessStartInfo(file) { RedirectStandardOutput = true, RedirectStandardError = true, UseShellExecute = false };
        foreach (var a in args) info.ArgumentList.Add(a);
        using var p = Process.Start(info)!;
        var stdout = p.StandardOutput.ReadToEndAsync();
        var stderr = p.StandardError.ReadToEndAsync();
        p.WaitForExit();
        if (p.ExitCode != 0) throw new InvalidOperationException($"{file} {string.Join(' ', args)} failed ({p.ExitCode}): {stderr.Result}{stdout.Result}");
        return stdout.Result + stderr.Result;
    }

    public static string OpenSsl(params string[] args) => Run("openssl", args);

    public static string TempDir(string name)
    {
        var dir = Path.Combine(Path.GetTempPath(), "certconnector-tests", $"{name}-{Guid.NewGuid():N}");
        Directory.CreateDirectory(dir);
        return dir;
    }
}
