using System.Diagnostics;
using System.Security.Cryptography;

namespace CertConnector.Host.Tests.Common;

/// <summary>
/// A SoftHSM (Debian softhsm2) token of the test's own: a config file in a temp directory (SOFTHSM2_CONF), its token
/// store beside it, one token initialised with <c>softhsm2-util</c>, and opensc's <c>pkcs11-tool</c> to look inside.
/// </summary>
public sealed class SoftHsm : IDisposable
{
    public const string Module = "/usr/lib/softhsm/libsofthsm2.so";

    public SoftHsm(string label = "certconnector-test")
    {
        Dir = Tools.TempDir("softhsm");
        Directory.CreateDirectory(Path.Combine(Dir, "tokens"));
        File.WriteAllText(ConfigPath, $"directories.tokendir = {Path.Combine(Dir, "tokens")}\nobjectstore.backend = file\nlog.level = ERROR\n");
        Label = label;
        Pin = "pin-" + Convert.ToHexStringLower(RandomNumberGenerator.GetBytes(8));
        File.WriteAllText(PinFile, Pin + "\n");
        Run("softhsm2-util", "--init-token", "--free", "--label", Label, "--so-pin", "so-" + Pin, "--pin", Pin);
    }

    public string Dir { get; }
    public string Label { get; }
    public string Pin { get; }
    public string ConfigPath => Path.Combine(Dir, "softhsm2.conf");
    public string PinFile => Path.Combine(Dir, "pin.txt");

    /// <summary>What a process using this token needs in its environment.</summary>
    public IReadOnlyDictionary<string, string> Environment => new Dictionary<string, string> { ["SOFTHSM2_CONF"] = ConfigPath };

    /// <summary>The connector settings (under Connector:) that put the CA keys in this token, the PIN read from <see cref="PinFile"/>.</summary>
    public Dictionary<string, string> Settings() => new()
    {
        ["Ca:KeyStore"] = "pkcs11",
        ["Ca:Pkcs11:Module"] = Module,
        ["Ca:Pkcs11:TokenLabel"] = Label,
        ["Ca:Pkcs11:PinFile"] = PinFile,
    };

    /// <summary><c>pkcs11-tool --list-objects</c>, logged in: every object with its label, ID, usage and access flags.</summary>
    public string ListObjects() => Run("pkcs11-tool", "--module", Module, "--token-label", Label, "--login", "--pin", Pin, "--list-objects");

    /// <summary>The lines <c>pkcs11-tool</c> prints for each object of <paramref name="kind"/> ("Private Key", "Secret Key") labelled <paramref name="label"/>.</summary>
    public IReadOnlyList<string> Objects(string kind, string label) =>
        System.Text.RegularExpressions.Regex.Split(ListObjects(), @"(?m)^(?=\S)")
            .Where(b => b.StartsWith(kind + " Object", StringComparison.Ordinal) && b.Contains($"label:      {label}\n")).ToList();

    public void Dispose()
    {
        try { Directory.Delete(Dir, true); } catch (IOException) { }
    }

    private string Run(string file, params string[] args)
    {
        var info = new ProcessStartInfo(file) { RedirectStandardOutput = true, RedirectStandardError = true, UseShellExecute = false };
        foreach (var a in args) info.ArgumentList.Add(a);
        info.Environment["SOFTHSM2_CONF"] = ConfigPath;
        using var p = Process.Start(info)!;
        var stdout = p.StandardOutput.ReadToEndAsync();
        var stderr = p.StandardError.ReadToEndAsync();
        p.WaitForExit();
        if (p.ExitCode != 0) throw new InvalidOperationException($"{file} {string.Join(' ', args)} failed ({p.ExitCode}): {stderr.Result}{stdout.Result}");
        return stdout.Result;
    }
}
