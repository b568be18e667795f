using System.Collections.Concurrent;
using System.Security.Cryptography.X509Certificates;
using CertConnector.Actors.Updates;
using CertConnector.Adapters.Updates;
using CertConnector.Host.Tests.Common;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Hosting;
using Microsoft.AspNetCore.Http;
using Microsoft.Extensions.Logging;

namespace CertConnector.Adapters.Tests.Updates;

/// <summary>
/// A release feed and its packages served on loopback by a tiny Kestrel: any path answers the bytes put there; <c>/redirect</c>
/// answers a redirect to another scheme. Also holds a test release key (made by openssl, so openssl and .NET sign with the same key).
/// </summary>
public sealed class LoopbackFeed : IAsyncDisposable
{
    private readonly WebApplication _app;
    private readonly ConcurrentDictionary<string, byte[]> _files = new();

    public LoopbackFeed()
    {
        Directory = Tools.TempDir("release-feed");
        KeyFile = Path.Combine(Directory, "release-key.pem");
        CertificateFile = Path.Combine(Directory, "release-key.crt");
        Tools.OpenSsl("genpkey", "-algorithm", "EC", "-pkeyopt", "ec_paramgen_curve:P-256", "-out", KeyFile);
        Tools.OpenSsl("req", "-new", "-x509", "-key", KeyFile, "-sha256", "-days", "30", "-subj", "/CN=test release key",
            "-addext", "basicConstraints=critical,CA:FALSE", "-addext", "keyUsage=critical,digitalSignature", "-out", CertificateFile);
        ReleaseKey = X509Certificate2.CreateFromPemFile(CertificateFile, KeyFile);

        var builder = WebApplication.CreateSlimBuilder();
        builder.Logging.ClearProviders();
        builder.WebHost.UseUrls("http://127.0.0.1:0");
        _app = builder.Build();
        _app.Run(async context =>
        {
            if (context.Request.Path == "/redirect")
            {
                context.Response.Redirect("file:///etc/passwd");
                return;
            }
            if (!_files.TryGetValue(context.Request.Path.Value!, out var body))
            {
                context.Response.StatusCode = 404;
                return;
            }
            await context.Response.Body.WriteAsync(body);
        });
        _app.StartAsync().GetAwaiter().GetResult();
        BaseUrl = _app.Urls.First();
    }

    public string Directory { get; }
    public string KeyFile { get; }
    public string CertificateFile { get; }
    public X509Certificate2 ReleaseKey { get; }
    public string BaseUrl { get; }
    public string FeedUrl => BaseUrl + "/feed.cms";

    public void Put(string path, byte[] body) => _files[path] = body;

    /// <summary>Signs <paramref name="manifest"/> with the test release key and serves it as the feed.</summary>
    public void Publish(ReleaseManifest manifest) => Put("/feed.cms", ReleaseFeedSignature.Sign(ReleaseManifestJson.Write(manifest), ReleaseKey));

    /// <summary>A verifier that believes the test release key only (as a unit test may: through the constructor).</summary>
    public ReleaseFeedSignature Signature() => new([X509CertificateLoader.LoadCertificate(ReleaseKey.RawData)]);

    public async ValueTask DisposeAsync()
    {
        await _app.DisposeAsync();
        ReleaseKey.Dispose();
    }
}
