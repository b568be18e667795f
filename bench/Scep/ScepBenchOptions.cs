using System.Globalization;

namespace CertConnector.Bench.Scep;

/// <summary>
/// <c>dotnet run -c Release --project bench -- scep [--requests N] [--concurrency C[,C...]] [--target ours|scepserver|both|connectors:DIR,DIR|URL]
/// [--challenge SECRET] [--warmup W] [--timeout-seconds S] [--scepserver-keysize BITS] [--client-rsa-validation]</c>
/// </summary>
public sealed record ScepBenchOptions(int Requests, IReadOnlyList<int> Concurrency, string Target, string? Challenge, int Warmup,
    double TimeoutSeconds, int ScepServerKeySize, bool ClientRsaValidation)
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
            Warmup: Int("--warmup", 8, 0, 1000),
            TimeoutSeconds: timeout,
            ScepServerKeySize: Int("--scepserver-keysize", 3072, 2048, 4096),
            ClientRsaValidation: args.Contains("--client-rsa-validation"));
    }
}
