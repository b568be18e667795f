using CertConnector.Bench;
using CertConnector.Bench.Scep;

// dotnet run -c Release --project bench -- [pkcs] [--requests N] [--key rsa:2048] [--keygen-seconds S]
// dotnet run -c Release --project bench -- scep [--requests N] [--concurrency C] [--target ours|scepserver|both|URL] [--challenge X]
// dotnet run -c Release --project bench -- pkcs-goals [--requests 200] [--small 30] [--pool 32] [--concurrency 8] [--bound-seconds 10] [--Connector:Pkcs:X=Y ...]
// dotnet run -c Release --project bench -- keygen-bound [--key rsa:2048] [--seconds 10]   (keys/s, one thread per core)
// dotnet run -c Release --project bench -- ocsp [--certificates N] [--requests R]
// dotnet run -c Release --project bench -- ocsp-respond   (the responder alone, no HTTP: us per nonce answer against one signature)
// dotnet run -c Release --project bench -- queue-enqueue [--requests 2000] [--concurrency 32] [--rounds 3] [--queues pkcs,revocation,pkcs-import,recrypt]
// dotnet run -c Release --project bench -- shared-store [--clients 1,4,16] [--seconds 10]   (PostgreSQL at CERTCONNECTOR_PG)
// dotnet run -c Release --project bench -- scale [--requests N] [--restart-requests M] [--concurrency C] [--phases defaults,all-actors,restart]
if (args.Length > 0 && args[0] == "scep")
    return await ScepBench.RunAsync(args[1..]);
if (args.Length > 0 && args[0] == "pkcs-goals")
    return await PkcsGoalsBench.RunAsync(args[1..]);
if (args.Length > 0 && args[0] == "keygen-bound")
{
    string Value(string name, string fallback) => Array.IndexOf(args, name) is var i and >= 0 && i + 1 < args.Length ? args[i + 1] : fallback;
    var spec = CertConnector.Actors.Common.KeySpec.Parse(Value("--key", "rsa:2048"));
    Console.WriteLine(PkcsGoalsBench.Bound(spec, Environment.ProcessorCount, double.Parse(Value("--seconds", "10"), System.Globalization.CultureInfo.InvariantCulture))
        .ToString("0.00", System.Globalization.CultureInfo.InvariantCulture));
    return 0;
}
if (args.Length > 0 && args[0] == "queue-enqueue")
    return await QueueEnqueueBench.RunAsync(args[1..]);
if (args.Length > 0 && args[0] == "shared-store")
    return await SharedStoreBench.RunAsync(args[1..]);
if (args.Length > 0 && args[0] == "scale")
    return await ScaleBench.RunAsync(args[1..]);
if (args.Length > 0 && args[0] == "ocsp-respond")
    return await CertConnector.Bench.Ocsp.OcspBench.RespondAloneAsync(args[1..]);
if (args.Length > 0 && args[0] == "ocsp")
    return await CertConnector.Bench.Ocsp.OcspBench.RunAsync(args[1..]);

var options = BenchOptions.Parse(args);
KeyGenerationBench.Run(options.KeygenSeconds);
await PkcsEndToEndBench.RunAsync(options);
return 0;

namespace CertConnector.Bench
{
    public sealed record BenchOptions(int Requests, string Key, double KeygenSeconds)
    {
        public static BenchOptions Parse(string[] args)
        {
            string Value(string name, string fallback) => Array.IndexOf(args, name) is var i and >= 0 && i + 1 < args.Length ? args[i + 1] : fallback;
            return new(int.Parse(Value("--requests", "200")), Value("--key", "rsa:2048"), double.Parse(Value("--keygen-seconds", "5")));
        }
    }
}
