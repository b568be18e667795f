namespace CertConnector.Actors.Updates;

/// <summary>One release in the signed release feed. <see cref="Sha256"/> is the package's digest, lower-case hex.</summary>
public sealed record Release(string Version, DateTimeOffset ReleasedUtc, string Notes, string PackageUrl, string Sha256);

/// <summary>
/// The release feed's content once its signature is verified. <see cref="Sequence"/> only grows from one signed manifest to the
/// next (a lower one than seen before is a rollback); after <see cref="ExpiresUtc"/> the manifest is no longer believed, so an
/// attacker cannot keep serving an old one that hides a newer release.
/// </summary>
public sealed record ReleaseManifest(long Sequence, DateTimeOffset IssuedUtc, DateTimeOffset ExpiresUtc, IReadOnlyList<Release> Releases);

/// <summary>Release versions: <c>major.minor.patch</c>, compared numerically; anything after '-' or '+' is ignored.</summary>
public static class ReleaseVersion
{
    public static bool TryParse(string? text, out Version version)
    {
        version = new Version(0, 0);
        if (string.IsNullOrWhiteSpace(text)) return false;
        var core = text.Trim().Split('-', '+')[0];
        if (!Version.TryParse(core, out var parsed)) return false;
        version = new Version(parsed.Major, parsed.Minor, Math.Max(parsed.Build, 0));
        return true;
    }

    public static Version Parse(string text) =>
        TryParse(text, out var v) ? v : throw new FormatException($"'{text}' is not a release version such as 0.8.0.");

    public static int Compare(string a, string b) => Parse(a).CompareTo(Parse(b));
}
