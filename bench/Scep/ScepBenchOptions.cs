using System.Globalization;

namespace CertConnector.Bench.Scep;

/// <summary>
/// <c>dotnet run -c Release --project bench -- scep [--requests N] [--concurrency C[,C...]] [--target ours|scepserver|both|connectors:DIR,DIR|URL]
/// [--challenge SECRET] [--warmup W] [--warmup-first F] [--timeout-seconds S] [--scepserver-keysize BITS] [--scepserver-default-keysize BITS|0] [--client-rsa-validation] [--key-cache DIR|none] [--ours-env NAME=VALUE ...]</c>
/// <para>W warm-up enrollments (fresh requesters, not timed, not in the CPU figures) run before every level, F before the first
/// (default 600): the connector's JIT tiers its ~40,000 methods up over its first several hundred enrollments (on this machine a
/// fifth of its CPU after 300), which is start-up, not steady state. scepserver runs
/// twice with <c>--target both</c>: with a CA key of our CA's size (read from our GetCACert; <c>--scepserver-keysize</c>
/// overrides it) and with its own default, 4096 bits (<c>--scepserver-default-keysize 0</c> leaves that row out).</para>
/// <para>Requester keys are kept in <c>--key-cache</c> (default: certconnector-scepbench-keys in the temporary directory; <c>none</c>:
/// generated afresh every run). <c>--ours-env</c> (repeatable) sets an environment variable of our connector's process,
/// e.g. <c>DOTNET_gcServer=0</c> to compare runtime settings in one run.</para>
/// </summary>
public sealed record ScepBenchOptions(int Requests, IReadOnlyList<int> Concurrency, string Target, string? Challenge, int Warmup, int WarmupFirst,
    double TimeoutSeconds, int? ScepServerKeySize, int ScepServerDefaultKeySize, bool ClientRsaValidation, string? KeyCache,
    IReadOnlyList<KeyValuePair<string, string>> OursEnvironment)
{
    public static ScepBenchOptions Parse(string[] args)
    {
        string? Value(string name) => Array.LastIndexOf(args, name) is var i and >= 0 && i + 1 < args.Length ? args[i + 1] : null;
        int Int(string name, int fallback, int min, int max)
        {
            var text = Value(name);
            if (text is null) return fallback;
            if (!int.TryParse(text, NumberStyles.Integer, CultureInfo.InvariantCulture, out var n) || n < min || n > max)
                throw new ArgumentException($"{name} must be an integer between {min} and {max}");
            return n;
        }

        static IReadOnlyList<int> Levels(string text)
        {
            var levels = text.Split(',', StringSplitOptions.TrimEntries | StringSplitOptions.RemoveEmptyEntries)
                .Select(t => int.TryParse(t, NumberStyles.Integer, CultureInfo.InvariantCulture, out var n) && n is >= 1 and <= 1024 ? n
                    : throw new ArgumentException("--concurrency must be integers between 1 and 1024, separated by commas (e.g. 4,16,64)"))
                .ToList();
            return levels.Count > 0 ? levels : throw new ArgumentException("--concurrency needs at least one level");
        }

        var target = Value("--target") ?? "both";
        if (target is not ("ours" or "scepserver" or "both") && !target.StartsWith(ConnectorInstancesTarget.Prefix, StringComparison.Ordinal) &&
            !(Uri.TryCreate(target, UriKind.Absolute, out var uri) && uri.Scheme is "http" or "https"))
            throw new ArgumentException("--target must be ours, scepserver, both, connectors:DATA_DIR[,DATA_DIR...] or an http(s) SCEP URL");
        var timeout = double.Parse(Value("--timeout-seconds") ?? "600", CultureInfo.InvariantCulture);
        if (timeout is <= 0 or > 3600) throw new ArgumentException("--timeout-seconds must be in (0, 3600]");
        return new ScepBenchOptions(
            Requests: Int("--requests", 200, 1, 100_000),
            Concurrency: Levels(Value("--concurrency") ?? "8"),
            Target: target,
            Challenge: Value("--challenge"),
            Warmup: Int("--warmup", 32, 0, 1000),
            WarmupFirst: Int("--warmup-first", 600, 0, 10_000),
            TimeoutSeconds: timeout,
            ScepServerKeySize: Value("--scepserver-keysize") is null ? null : Int("--scepserver-keysize", 3072, 2048, 4096),
            ScepServerDefaultKeySize: Int("--scepserver-default-keysize", 4096, 0, 4096) is var d and (0 or >= 2048) ? d
                : throw new ArgumentException("--scepserver-default-keysize must be 0 or between 2048 and 4096"),
            ClientRsaValidation: args.Contains("--client-rsa-validation"),
            KeyCache: Value("--key-cache") is "none" ? null : Value("--key-cache") ?? Path.Combine(Path.GetTempPath(), "certconnector-scepbench-keys"),
            OursEnvironment: args.Select((a, i) => (a, i)).Where(x => x.a == "--ours-env" && x.i + 1 < args.Length)
                .Select(x => args[x.i + 1].Split('=', 2) is [var k, var v] && k.Length > 0 ? KeyValuePair.Create(k, v)
                    : throw new ArgumentException("--ours-env takes NAME=VALUE")).ToList());
    }
}
