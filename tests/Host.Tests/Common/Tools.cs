using System.Diagnostics;

namespace CertConnector.Host.Tests.Common;

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

    /// <summary>A self-signed device certificate (CN=device, 30 days) made by openssl in <paramref name="dir"/>; its path.
    /// The key is EC P-256, or RSA 2048 with <paramref name="rsa"/>.</summary>
    public static string DeviceCertificateFile(string dir, bool rsa = false)
    {
        var key = Path.Combine(dir, "device.key");
        var cert = Path.Combine(dir, "device.crt");
        OpenSsl(rsa ? ["genpkey", "-algorithm", "RSA", "-pkeyopt", "rsa_keygen_bits:2048", "-out", key]
                    : ["genpkey", "-algorithm", "EC", "-pkeyopt", "ec_paramgen_curve:P-256", "-out", key]);
        OpenSsl("req", "-x509", "-new", "-key", key, "-subj", "/CN=device", "-days", "30", "-out", cert);
        return cert;
    }
}
