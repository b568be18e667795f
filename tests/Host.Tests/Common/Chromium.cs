using System.Diagnostics;

namespace CertConnector.Host.Tests.Common;

/// <summary>
/// Debian's chromium (the <c>chromium</c> package; tests/run.sh installs it), driven headless as a user's browser: no downloaded
/// browser, no driver. Each call is a fresh profile, so cookies live for that one navigation (and its redirects) only.
/// </summary>
public static class Chromium
{
    public const string Executable = "/usr/bin/chromium";

    /// <summary>The DOM after <paramref name="url"/> (and any redirects) loaded, serialized.</summary>
    public static string DumpDom(string url) => Run(["--dump-dom", url]);

    /// <summary>A PNG of the page at <paramref name="url"/> in a window of <paramref name="width"/> × <paramref name="height"/>.</summary>
    public static void Screenshot(string url, string file, int width, int height)
    {
        Directory.CreateDirectory(Path.GetDirectoryName(file)!);
        File.Delete(file);
        Run([$"--screenshot={file}", $"--window-size={width},{height}", "--hide-scrollbars", url]);
        if (!File.Exists(file)) throw new InvalidOperationException($"chromium wrote no screenshot to {file}");
    }

    private static string Run(IEnumerable<string> args)
    {
        var profile = Tools.TempDir("chromium");
        var info = new ProcessStartInfo(Executable) { RedirectStandardOutput = true, RedirectStandardError = true, UseShellExecute = false };
        foreach (var a in new[] { "--headless", "--no-sandbox", "--disable-gpu", "--no-first-run", "--disable-extensions", "--disable-sync",
                     "--disable-background-networking", "--disable-component-update", "--disable-default-apps", $"--user-data-dir={profile}" }.Concat(args))
            info.ArgumentList.Add(a);
        using var p = Process.Start(info)!;
        var stdout = p.StandardOutput.ReadToEndAsync();
        var stderr = p.StandardError.ReadToEndAsync();
        if (!p.WaitForExit(TimeSpan.FromSeconds(120)))
        {
            p.Kill(true);
            throw new TimeoutException($"chromium did not finish within 120 s: {stderr.Result}");
        }
        try { Directory.Delete(profile, true); } catch (IOException) { }
        if (p.ExitCode != 0) throw new InvalidOperationException($"chromium failed ({p.ExitCode}): {stderr.Result}");
        return stdout.Result;
    }
}
