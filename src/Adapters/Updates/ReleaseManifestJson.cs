using System.Text.Json;
using System.Text.RegularExpressions;
using CertConnector.Actors.Logging;
using CertConnector.Actors.Updates;

namespace CertConnector.Adapters.Updates;

/// <summary>
/// The manifest's JSON (camelCase): <c>{sequence, issuedUtc, expiresUtc, releases: [{version, releasedUtc, notes, packageUrl, sha256}]}</c>.
/// Every field is required; a signed manifest that is not this shape is refused as unreadable, never half-used.
/// </summary>
public static partial class ReleaseManifestJson
{
    private static readonly JsonSerializerOptions Options = new(JsonSerializerDefaults.Web) { WriteIndented = true };

    public static ReleaseManifest Parse(byte[] json)
    {
        ManifestDto? dto;
        try
        {
            dto = JsonSerializer.Deserialize<ManifestDto>(json, Options);
        }
        catch (JsonException e)
        {
            throw Unreadable($"not JSON ({e.Message})");
        }
        if (dto is null || dto.Sequence is not { } sequence || dto.ExpiresUtc is not { } expires || dto.Releases is null)
            throw Unreadable("sequence, expiresUtc and releases are required");
        var releases = dto.Releases.Select((r, i) =>
        {
            if (r is null || r.Version is null || !VersionText().IsMatch(r.Version) || !ReleaseVersion.TryParse(r.Version, out _) || r.ReleasedUtc is null || string.IsNullOrWhiteSpace(r.PackageUrl) || r.Sha256 is null || !Sha256Hex().IsMatch(r.Sha256))
                throw Unreadable($"release {i + 1} needs version (such as 0.8.0), releasedUtc, packageUrl and sha256 (64 hex digits)");
            return new Release(r.Version!.Trim(), r.ReleasedUtc.Value, r.Notes ?? "", r.PackageUrl!.Trim(), r.Sha256.ToLowerInvariant());
        }).ToList();
        return new ReleaseManifest(sequence, dto.IssuedUtc ?? DateTimeOffset.MinValue, expires, releases);
    }

    public static byte[] Write(ReleaseManifest manifest) => JsonSerializer.SerializeToUtf8Bytes(new ManifestDto
    {
        Sequence = manifest.Sequence, IssuedUtc = manifest.IssuedUtc, ExpiresUtc = manifest.ExpiresUtc,
        Releases = [.. manifest.Releases.Select(r => new ReleaseDto { Version = r.Version, ReleasedUtc = r.ReleasedUtc, Notes = r.Notes, PackageUrl = r.PackageUrl, Sha256 = r.Sha256 })],
    }, Options);

    private static FeedRefusedException Unreadable(string why) =>
        new(ConnectorInternalEvents.UpdateFeedUnavailable, $"The signed release manifest is not readable: {why}.");

    // The version names files (a package's fallback name): digits, dots and a plain suffix only.
    [GeneratedRegex("^[0-9]+\\.[0-9]+(\\.[0-9]+)?([-+][0-9A-Za-z.]+)?$")]
    private static partial Regex VersionText();

    [GeneratedRegex("^[0-9a-fA-F]{64}$")]
    private static partial Regex Sha256Hex();

    private sealed class ManifestDto
    {
        public long? Sequence { get; set; }
        public DateTimeOffset? IssuedUtc { get; set; }
        public DateTimeOffset? ExpiresUtc { get; set; }
        public List<ReleaseDto?>? Releases { get; set; }
    }

    private sealed class ReleaseDto
    {
        public string? Version { get; set; }
        public DateTimeOffset? ReleasedUtc { get; set; }
        public string? Notes { get; set; }
        public string? PackageUrl { get; set; }
        public string? Sha256 { get; set; }
    }
}
