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

    /// <summary>A loopback TCP port nobody listens on right now (for a server that needs a fixed port: Akka.Remote seeds, scepserver, PgBouncer).</summary>
    public static int FreePort()
    {
        using var listener = new System.Net.Sockets.TcpListener(System.Net.IPAddress.Loopback, 0);
        listener.Start();
        return ((System.Net.IPEndPoint)listener.LocalEndpoint).Port;
    }

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
