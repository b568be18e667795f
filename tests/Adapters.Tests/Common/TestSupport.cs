using System.Diagnostics;
using CertConnector.Actors.Common;
using CertConnector.Adapters.Crypto;
using Org.BouncyCastle.Asn1.X509;
using Org.BouncyCastle.Crypto;
using Org.BouncyCastle.Crypto.Operators;
using Org.BouncyCastle.X509;

namespace CertConnector.Adapters.Tests.Common;

/// <summary>A temporary directory removed after the test.</summary>
public sealed class TempDirectory : IDisposable
{
    public string Path { get; } = Directory.CreateTempSubdirectory("certconnector-test-").FullName;

    public string File(string name) => System.IO.Path.Combine(Path, name);

    public void Dispose()
    {
        try { Directory.Delete(Path, recursive: true); } catch (IOException) { }
    }
}

/// <summary>Device certificates as a device would hold them: self-signed, with a chosen key usage and validity.</summary>
public static class TestCertificates
{
    public static (X509Certificate Certificate, AsymmetricCipherKeyPair Key) Device(KeySpec spec, int? keyUsage = null,
        DateTime? notBefore = null, DateTime? notAfter = null, string subject = "CN=Test Device")
    {
        var key = KeyGeneration.GenerateBouncyCastle(spec);
        var generator = new X509V3CertificateGenerator();
        generator.SetSerialNumber(CertificateIds.NewSerial());
        generator.SetIssuerDN(new X509Name(subject));
        generator.SetSubjectDN(new X509Name(subject));
        generator.SetNotBefore(notBefore ?? DateTime.UtcNow.AddDays(-1));
        generator.SetNotAfter(notAfter ?? DateTime.UtcNow.AddDays(30));
        generator.SetPublicKey(key.Public);
        if (keyUsage is { } usage) generator.AddExtension(X509Extensions.KeyUsage, true, new KeyUsage(usage));
        return (generator.Generate(new Asn1SignatureFactory(KeyGeneration.SignatureAlgorithm(key.Private), key.Private)), key);
    }
}

/// <summary>Runs the real openssl CLI.</summary>
public static class OpenSsl
{
    public const string Path = "/usr/bin/openssl";

    public static string Run(string workingDirectory, params string[] arguments)
    {
        var (exitCode, output, error) = TryRun(workingDirectory, arguments);
        if (exitCode != 0)
            throw new Xunit.Sdk.XunitException($"openssl {string.Join(' ', arguments)} exited {exitCode}:\n{error}\n{output}");
        return output;
    }

    public static (int ExitCode, string Output, string Error) TryRun(string workingDirectory, params string[] arguments)
    {
        var start = new ProcessStartInfo(Path) { WorkingDirectory = workingDirectory, RedirectStandardOutput = true, RedirectStandardError = true };
        foreach (var argument in arguments) start.ArgumentList.Add(argument);
        using var process = Process.Start(start)!;
        var output = process.StandardOutput.ReadToEndAsync();
        var error = process.StandardError.ReadToEndAsync();
        if (!process.WaitForExit(60_000))
        {
            process.Kill(entireProcessTree: true);
            throw new TimeoutException($"openssl {string.Join(' ', arguments)} did not finish within 60 s.");
        }
        return (process.ExitCode, output.Result, error.Result);
    }
}
