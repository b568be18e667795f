using System.Security.Cryptography;
using System.Security.Cryptography.X509Certificates;
using System.Text;
using CertConnector.Actors.Logging;
using CertConnector.Actors.Updates;
using CertConnector.Adapters.Logging;
using CertConnector.Adapters.Updates;
using CertConnector.Host.Tests.Common;

namespace CertConnector.Adapters.Tests.Updates;

/// <summary>
/// The release feed served on loopback: signed manifests give the lifecycle table; unsigned, badly signed, expired and rolled-back
/// manifests are refused, each with its event; a package whose sha256 is not the manifest's is refused and leaves no file.
/// </summary>
public sealed class ReleaseFeedTests : IAsyncLifetime
{
    private static readonly DateTimeOffset Now = new(2026, 12, 7, 12, 0, 0, TimeSpan.Zero);
    private readonly LoopbackFeed _served = new();
    private readonly UpdateFetch _fetch = new(null, [], TimeSpan.FromSeconds(30));
    private string MarkFile => Path.Combine(_served.Directory, "data", "updates", "feed-mark.json");

    public Task InitializeAsync() => Task.CompletedTask;

    public async Task DisposeAsync()
    {
        _fetch.Dispose();
        await _served.DisposeAsync();
    }

    private sealed class FixedTime(DateTimeOffset now) : TimeProvider
    {
        public override DateTimeOffset GetUtcNow() => now;
    }

    private ReleaseFeed Feed(ReleaseFeedSignature? signature = null, string? location = null, int maxFeedBytes = 1024 * 1024) =>
        new(new ReleaseFeedOptions(location ?? _served.FeedUrl, maxFeedBytes), _fetch, signature ?? _served.Signature(), new FeedHighWater(MarkFile), new FixedTime(Now));

    private Release Release(string version, DateTimeOffset released, byte[]? package = null)
    {
        package ??= Encoding.UTF8.GetBytes($"package {version}");
        _served.Put($"/certconnector_{version}_amd64.deb", package);
        return new Release(version, released, $"what {version} brings", $"{_served.BaseUrl}/certconnector_{version}_amd64.deb", Convert.ToHexStringLower(SHA256.HashData(package)));
    }

    private static ReleaseManifest Manifest(long sequence, params Release[] releases) => new(sequence, Now.AddDays(-1), Now.AddDays(30), releases);

    private static async Task<FeedCheck> Refused(ReleaseFeed feed, EventDefinition expected)
    {
        var check = await feed.CheckAsync(CancellationToken.None);
        Assert.Null(check.Manifest);
        Assert.Equal(expected, check.Refusal);
        return check;
    }

    [Theory]
    [InlineData(null, LifecycleState.Current)]
    [InlineData(1, LifecycleState.Superseded)]
    [InlineData(7, LifecycleState.OutOfSupport)]
    [InlineData(19, LifecycleState.OutOfSupport)]
    public async Task The_lifecycle_table_from_a_signed_feed_on_loopback(int? monthsSinceNewer, LifecycleState expected)
    {
        List<Release> releases = [Release("0.8.0", Now.AddMonths(-24))];
        if (monthsSinceNewer is { } m) releases.Add(Release("0.9.0", Now.AddMonths(-m)));
        _served.Publish(Manifest(1, [.. releases]));

        var check = await Feed().CheckAsync(CancellationToken.None);

        Assert.Null(check.Refusal);
        var lifecycle = ReleaseLifecycle.Of("0.8.0", check.Manifest!.Releases, Now);
        Assert.Equal(expected, lifecycle.State);
        if (monthsSinceNewer is { } months) Assert.Equal(Now.AddMonths(-months).AddMonths(6), lifecycle.SupportedUntil);
    }

    [Fact]
    public async Task An_unsigned_manifest_is_refused()
    {
        _served.Put("/feed.cms", ReleaseManifestJson.Write(Manifest(1, Release("0.9.0", Now))));

        var check = await Refused(Feed(), ConnectorInternalEvents.UpdateFeedUnsigned);
        Assert.Contains("not a CMS", check.Reason);
    }

    [Fact]
    public async Task A_manifest_signed_by_another_key_is_refused()
    {
        using var other = ECDsa.Create(ECCurve.NamedCurves.nistP256);
        using var otherCert = new CertificateRequest("CN=someone else", other, HashAlgorithmName.SHA256).CreateSelfSigned(Now.AddDays(-1), Now.AddDays(30));
        _served.Put("/feed.cms", ReleaseFeedSignature.Sign(ReleaseManifestJson.Write(Manifest(1, Release("0.9.0", Now))), otherCert));

        await Refused(Feed(), ConnectorInternalEvents.UpdateFeedBadSignature);
    }

    [Fact]
    public async Task A_signer_posing_as_the_release_key_with_its_own_certificate_is_refused()
    {
        // Same issuer and serial number as the release certificate, another key: the message brings it along; only the built-in key counts.
        var trusted = _served.ReleaseKey;
        using var attacker = ECDsa.Create(ECCurve.NamedCurves.nistP256);
        var request = new CertificateRequest(trusted.SubjectName, attacker, HashAlgorithmName.SHA256);
        using var posing = request.Create(trusted.IssuerName, X509SignatureGenerator.CreateForECDsa(attacker), Now.AddDays(-1), Now.AddDays(30), trusted.GetSerialNumber().Reverse().ToArray())
            .CopyWithPrivateKey(attacker);
        Assert.Equal(trusted.SerialNumber, posing.SerialNumber);
        _served.Put("/feed.cms", ReleaseFeedSignature.Sign(ReleaseManifestJson.Write(Manifest(1, Release("0.9.0", Now))), posing));

        await Refused(Feed(), ConnectorInternalEvents.UpdateFeedBadSignature);
    }

    [Fact]
    public async Task A_manifest_changed_after_signing_is_refused()
    {
        var signed = ReleaseFeedSignature.Sign(ReleaseManifestJson.Write(Manifest(1, Release("0.9.0", Now))), _served.ReleaseKey);
        var at = signed.AsSpan().IndexOf("0.9.0"u8);
        signed[at + 2] = (byte)'8'; // 0.9.0 -> 0.8.0 inside the signed content
        _served.Put("/feed.cms", signed);

        await Refused(Feed(), ConnectorInternalEvents.UpdateFeedBadSignature);
    }

    [Fact]
    public async Task The_production_verifier_does_not_believe_the_test_key()
    {
        _served.Publish(Manifest(1, Release("0.9.0", Now)));

        await Refused(Feed(ReleaseFeedSignature.Production()), ConnectorInternalEvents.UpdateFeedBadSignature);
        using var key = ReleaseFeedSignature.ReleaseCertificate.GetECDsaPublicKey();
        Assert.Equal(256, key!.KeySize);
    }

    [Fact]
    public async Task An_expired_manifest_is_refused()
    {
        _served.Publish(new ReleaseManifest(1, Now.AddDays(-40), Now.AddMinutes(-1), [Release("0.9.0", Now.AddDays(-40))]));

        var check = await Refused(Feed(), ConnectorInternalEvents.UpdateFeedExpired);
        Assert.Contains("expired", check.Reason);
    }

    [Fact]
    public async Task A_lower_sequence_than_accepted_before_is_a_rollback_even_after_a_restart()
    {
        _served.Publish(Manifest(5, Release("0.8.0", Now.AddMonths(-3)), Release("0.9.0", Now.AddMonths(-1))));
        Assert.Null((await Feed().CheckAsync(CancellationToken.None)).Refusal);

        // An older, validly signed and unexpired manifest that hides 0.9.0; a new ReleaseFeed reads the mark from the data directory.
        _served.Publish(Manifest(4, Release("0.8.0", Now.AddMonths(-3))));
        var check = await Refused(Feed(), ConnectorInternalEvents.UpdateFeedRolledBack);
        Assert.Contains("lower than 5", check.Reason);

        // A higher sequence whose newest version went down is a rollback too.
        _served.Publish(Manifest(6, Release("0.8.0", Now.AddMonths(-3))));
        await Refused(Feed(), ConnectorInternalEvents.UpdateFeedRolledBack);
    }

    [Fact]
    public async Task A_redirect_is_not_followed_and_an_oversized_feed_is_not_read()
    {
        var redirected = await Refused(Feed(location: _served.BaseUrl + "/redirect"), ConnectorInternalEvents.UpdateFeedUnavailable);
        Assert.Contains("redirect", redirected.Reason);

        _served.Publish(Manifest(1, Release("0.9.0", Now)));
        var large = await Refused(Feed(maxFeedBytes: 100), ConnectorInternalEvents.UpdateFeedUnavailable);
        Assert.Contains("larger than the 100 bytes", large.Reason);
    }

    [Fact]
    public async Task A_package_whose_sha256_is_not_the_manifests_is_refused_and_leaves_no_file()
    {
        var release = Release("0.9.0", Now);
        _served.Put($"/certconnector_0.9.0_amd64.deb", "a different package"u8.ToArray());
        var target = Path.Combine(_served.Directory, "downloads");

        var refused = await Assert.ThrowsAsync<FeedRefusedException>(() => Feed().DownloadAsync(release, target, CancellationToken.None));

        Assert.Equal(ConnectorInternalEvents.UpdatePackageRefused, refused.Event);
        Assert.Contains("sha256", refused.Message);
        Assert.Empty(Directory.EnumerateFiles(target));
    }

    [Fact]
    public async Task A_package_whose_sha256_matches_is_written()
    {
        var release = Release("0.9.0", Now, "the real package"u8.ToArray());

        var file = await Feed().DownloadAsync(release, Path.Combine(_served.Directory, "downloads"), CancellationToken.None);

        Assert.Equal("certconnector_0.9.0_amd64.deb", Path.GetFileName(file));
        Assert.Equal("the real package", await File.ReadAllTextAsync(file));
    }

    [Theory]
    [InlineData("0.9.0-/../../../tmp/evil")]
    [InlineData("0.9.0 ")]
    [InlineData("v0.9.0")]
    public async Task A_signed_manifest_with_a_version_that_is_not_plain_is_refused(string version)
    {
        _served.Publish(Manifest(1, Release("0.8.0", Now) with { Version = version }));

        var check = await Refused(Feed(), ConnectorInternalEvents.UpdateFeedUnavailable);
        Assert.Contains("version", check.Reason);
    }

    [Theory]
    [InlineData("https://releases.example.com/pool/certconnector_0.9.0_amd64.deb", "certconnector_0.9.0_amd64.deb")]
    [InlineData("https://releases.example.com/pool/..", "certconnector_0.9.0.deb")]
    [InlineData("https://releases.example.com/get?file=../../etc/passwd", "get")] // the query never names the file
    [InlineData("https://releases.example.com/.hidden", "certconnector_0.9.0.deb")]
    public void The_package_file_name_is_a_plain_name(string url, string expected)
    {
        Assert.Equal(expected, ReleaseFeed.PackageFileName(new Release("0.9.0", Now, "", url, new string('0', 64))));
    }

    [Fact]
    public async Task A_manifest_signed_by_openssl_with_the_release_script_is_accepted_from_a_file()
    {
        var manifest = Path.Combine(_served.Directory, "manifest.json");
        await File.WriteAllBytesAsync(manifest, ReleaseManifestJson.Write(Manifest(3, Release("0.9.0", Now.AddMonths(-1)))));
        var feedFile = Path.Combine(_served.Directory, "feed.cms");
        Tools.Run("sh", Path.Combine(RepositoryRoot(), "packaging", "sign-feed.sh"), manifest, _served.KeyFile, _served.CertificateFile, feedFile);

        var check = await Feed(location: feedFile).CheckAsync(CancellationToken.None);

        Assert.Null(check.Reason);
        Assert.Equal(3, check.Manifest!.Sequence);
        Assert.Equal("0.9.0", Assert.Single(check.Manifest.Releases).Version);
    }

    [Fact]
    public async Task A_feed_signed_by_our_code_verifies_with_openssl()
    {
        var content = ReleaseManifestJson.Write(Manifest(2, Release("0.9.0", Now)));
        var feedFile = Path.Combine(_served.Directory, "ours.cms");
        await File.WriteAllBytesAsync(feedFile, ReleaseFeedSignature.Sign(content, _served.ReleaseKey));
        var verified = Path.Combine(_served.Directory, "verified.json");

        var output = Tools.OpenSsl("cms", "-verify", "-binary", "-inform", "DER", "-in", feedFile, "-CAfile", _served.CertificateFile, "-purpose", "any", "-out", verified);

        Assert.Contains("Verification successful", output);
        Assert.Equal(content, await File.ReadAllBytesAsync(verified));
        // And openssl refuses it against another certificate: the check above could fail.
        var otherKey = Path.Combine(_served.Directory, "other.pem");
        var otherCert = Path.Combine(_served.Directory, "other.crt");
        Tools.OpenSsl("req", "-x509", "-newkey", "ec", "-pkeyopt", "ec_paramgen_curve:P-256", "-nodes", "-keyout", otherKey, "-subj", "/CN=other", "-days", "1", "-out", otherCert);
        Assert.Throws<InvalidOperationException>(() => Tools.OpenSsl("cms", "-verify", "-binary", "-inform", "DER", "-in", feedFile, "-CAfile", otherCert, "-purpose", "any", "-out", verified));
    }

    private static string RepositoryRoot()
    {
        var dir = new DirectoryInfo(AppContext.BaseDirectory);
        while (dir is not null && !File.Exists(Path.Combine(dir.FullName, "Akka.sln"))) dir = dir.Parent;
        return dir?.FullName ?? throw new InvalidOperationException("Akka.sln not found above the test's directory.");
    }
}
