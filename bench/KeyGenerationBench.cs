using System.Diagnostics;
using CertConnector.Actors.Common;
using CertConnector.Adapters.Crypto;

namespace CertConnector.Bench;

/// <summary>Raw key generations per second, BouncyCastle against .NET's own (OpenSSL on Linux), one thread.</summary>
public static class KeyGenerationBench
{
    public static void Run(double seconds)
    {
        Console.WriteLine($"key generation (one thread, {seconds:0.#} s each)");
        foreach (var spec in new[] { "rsa:2048", "rsa:3072", "ec:p256" })
        {
            var key = KeySpec.Parse(spec);
            var bc = Rate(() => KeyGeneration.GenerateBouncyCastle(key), seconds);
            var net = Rate(() => KeyGeneration.GenerateDotNet(key), seconds);
            Console.WriteLine($"  {spec,-9} BouncyCastle {bc,8:0.0}/s   .NET {net,8:0.0}/s   ratio {net / bc,5:0.00}x");
        }
    }

    private static double Rate(Action generate, double seconds)
    {
        generate(); // warm-up
        var watch = Stopwatch.StartNew();
        var n = 0;
        while (watch.Elapsed.TotalSeconds < seconds)
        {
            generate();
            n++;
        }
        return n / watch.Elapsed.TotalSeconds;
    }
}
