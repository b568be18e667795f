using System.Text.RegularExpressions;

namespace CertConnector.Host.Admin;

/// <summary>What a caller-chosen request ID may hold, for every feature's queueing call.</summary>
public static partial class RequestIdRule
{
    public const string Description = "requestId may hold 1 to 128 letters, digits, '-', '_' and '.'.";

    public static bool IsValid(string id) => Pattern().IsMatch(id);

    [GeneratedRegex(@"^[A-Za-z0-9._-]{1,128}$")]
    private static partial Regex Pattern();
}
