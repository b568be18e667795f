namespace CertConnector.Host.Configuration;

/// <summary>
/// A start-up problem the operator can fix: printed as one line (no stack trace) before anything is created.
/// <see cref="ExitCode"/> is 2 for a mistyped command line, 1 for everything else.
/// </summary>
public sealed class StartupException(string message, int exitCode = 1) : Exception(message)
{
    public const int UsageExitCode = 2;

    public int ExitCode { get; } = exitCode;

    public static StartupException Usage(string message) => new(message, UsageExitCode);
}

/// <summary>"Did you mean …?" for mistyped commands, options and setting names.</summary>
public static class NearestName
{
    /// <summary>The candidate closest to <paramref name="typed"/> (ignoring case), if it is close enough to be a typo.</summary>
    public static string? Find(string typed, IEnumerable<string> candidates)
    {
        var best = candidates
            .Select(c => (Name: c, Distance: Distance(typed.ToLowerInvariant(), c.ToLowerInvariant())))
            .OrderBy(c => c.Distance).FirstOrDefault();
        return best.Name is not null && best.Distance <= Math.Max(2, typed.Length / 3) ? best.Name : null;
    }

    public static string Suggestion(string typed, IEnumerable<string> candidates) =>
        Find(typed, candidates) is { } near ? $" Did you mean '{near}'?" : "";

    // Levenshtein distance: two rows are enough.
    private static int Distance(string a, string b)
    {
        var previous = Enumerable.Range(0, b.Length + 1).ToArray();
        var current = new int[b.Length + 1];
        for (var i = 1; i <= a.Length; i++)
        {
            current[0] = i;
            for (var j = 1; j <= b.Length; j++)
                current[j] = Math.Min(Math.Min(current[j - 1] + 1, previous[j] + 1), previous[j - 1] + (a[i - 1] == b[j - 1] ? 0 : 1));
            (previous, current) = (current, previous);
        }
        return previous[b.Length];
    }
}
