using System.Collections.Concurrent;
using System.Net;
using System.Security.Cryptography;
using System.Security.Cryptography.X509Certificates;
using System.Text.Json;
using System.Text.Json.Nodes;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Hosting;
using Microsoft.AspNetCore.Hosting.Server;
using Microsoft.AspNetCore.Hosting.Server.Features;
using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.Server.Kestrel.Https;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging;

namespace CertConnector.Tests.Emulator;

/// <summary>One HTTP call the emulator received, as it arrived (a test fixture records everything).</summary>
public sealed record RecordedCall(DateTimeOffset At, string Method, string Path, string? Authorization, string? ApiVersion, string? ClientRequestId, string Body, int Status);

/// <summary>
/// What the emulator does to the next matching calls instead of answering: a status (with Retry-After), a stall, or a
/// dropped connection. <see cref="PathContains"/> matches the path (e.g. "uploadPkcsResults", "/oauth2/token").
/// </summary>
public sealed class Fault
{
    public required string PathContains { get; init; }
    public int Times { get; set; } = 1;
    public int Status { get; init; } = 503;
    public TimeSpan? RetryAfter { get; init; }
    public TimeSpan? Stall { get; init; }
    public bool Drop { get; init; }
    /// <summary>Answers the call itself instead (a hostile or broken service: redirects, endless or slow bodies, bad JSON).</summary>
    public Func<HttpContext, Task>? Respond { get; init; }
}

/// <summary>
/// A test double of the management service (docs/DESIGN.md §8) on loopback HTTPS (Kestrel): the OAuth2 token endpoint,
/// discovery, the PKCS, PKCS import, recrypt, revocation, SCEP and health calls. It queues requests, records every call and every result,
/// and can be told to fail, stall, answer 429/5xx, reject tokens or secrets, or drop connections. Not a product mode.
/// </summary>
public sealed class ServiceEmulator : IAsyncDisposable
{
    public const string ClientId = "connector-test";
    public const string ClientSecret = "emulator-secret-1";
    private readonly WebApplication _app;
    private readonly ConcurrentQueue<RecordedCall> _calls = new();
    private readonly ConcurrentQueue<Fault> _faults = new();
    private readonly ConcurrentDictionary<string, bool> _validTokens = new();
    private readonly object _gate = new();
    private readonly List<QueuedRequest> _pkcs = [];
    private readonly List<QueuedRequest> _revocations = [];
    private readonly List<QueuedRequest> _imports = [];
    private readonly List<QueuedRequest> _recrypts = [];
    private readonly List<JsonObject> _importResults = [];
    private readonly List<JsonObject> _recryptResults = [];
    private readonly List<JsonObject> _pkcsResults = [];
    private readonly List<JsonObject> _revocationResults = [];
    private readonly List<JsonObject> _scepNotifications = [];
    private readonly List<JsonObject> _healthMessages = [];
    private int _tokensIssued;

    private ServiceEmulator(WebApplication app, X509Certificate2 certificate, string certificatePemPath)
    {
        _app = app;
        Certificate = certificate;
        CertificatePemPath = certificatePemPath;
    }

    public X509Certificate2 Certificate { get; }
    /// <summary>The emulator's TLS certificate (self-signed) as PEM: give it to the connector as Connector:Service:TrustedCertificates.</summary>
    public string CertificatePemPath { get; }
    public Uri BaseUri { get; private set; } = null!;
    public Uri TokenUrl => new(BaseUri, "oauth2/token");
    public Uri DiscoveryUrl => new(BaseUri, "discovery");
    public Uri PkiUri => new(BaseUri, "pki/");
    public Uri ScepUri => new(BaseUri, "scep/");

    /// <summary>The services discovery lists (default both).</summary>
    public List<string> DiscoveredServices { get; } = ["PkiConnectorFEService", "ScepRequestValidationFEService"];
    /// <summary>The token endpoint refuses the client secret (invalid_client).</summary>
    public bool RejectSecret { get; set; }
    /// <summary>The service answers 401 to every bearer token, even fresh ones.</summary>
    public bool RejectAllTokens { get; set; }
    public int TokenLifetimeSeconds { get; set; } = 3600;
    /// <summary>A client presenting a TLS client certificate with this thumbprint (and no secret) gets a token.</summary>
    public string? ClientCertificateThumbprint { get; set; }
    /// <summary>A downloaded request is not handed out again for this long unless its result arrives.</summary>
    public TimeSpan Lease { get; set; } = TimeSpan.FromMinutes(1);
    /// <summary>The answer to validateRequest (default Success).</summary>
    public Func<JsonObject, (string Code, string? Description)> Validate { get; set; } = _ => ("Success", null);

    public IReadOnlyList<RecordedCall> Calls => [.. _calls];
    public int TokensIssued => _tokensIssued;

    public IReadOnlyList<RecordedCall> CallsTo(string pathContains) => [.. _calls.Where(c => c.Path.Contains(pathContains, StringComparison.OrdinalIgnoreCase))];

    public IReadOnlyList<JsonObject> PkcsResults { get { lock (_gate) return [.. _pkcsResults]; } }
    public IReadOnlyList<JsonObject> RevocationResults { get { lock (_gate) return [.. _revocationResults]; } }
    public IReadOnlyList<JsonObject> ImportResults { get { lock (_gate) return [.. _importResults]; } }
    public IReadOnlyList<JsonObject> RecryptResults { get { lock (_gate) return [.. _recryptResults]; } }
    public IReadOnlyList<JsonObject> ScepNotifications { get { lock (_gate) return [.. _scepNotifications]; } }
    public IReadOnlyList<JsonObject> HealthMessages { get { lock (_gate) return [.. _healthMessages]; } }

    /// <summary>Uploads for a request the emulator had already acknowledged: must stay empty.</summary>
    public IReadOnlyList<string> DuplicateUploads { get { lock (_gate) return [.. _duplicates]; } }
    private readonly List<string> _duplicates = [];

    public void AddFault(Fault fault) => _faults.Enqueue(fault);
    public void ClearFaults() => _faults.Clear();
    /// <summary>Every token issued so far is no longer accepted (as after a key rotation).</summary>
    public void RevokeIssuedTokens() => _validTokens.Clear();

    public void EnqueuePkcs(JsonObject request)
    {
        lock (_gate) _pkcs.Add(new QueuedRequest((string)request["requestId"]!, request));
    }

    public void EnqueueRevocation(JsonObject request)
    {
        lock (_gate) _revocations.Add(new QueuedRequest((string)request["requestContext"]!, request));
    }

    /// <summary>A PKCS import request as downloadPkcsImportRequests hands it out (requestId, userPrincipalName, encryptedPfxBlob, …).</summary>
    public void EnqueueImport(JsonObject request)
    {
        lock (_gate) _imports.Add(new QueuedRequest((string)request["requestId"]!, request));
    }

    /// <summary>A recrypt request as downloadRecryptRequests hands it out (requestId, encryptedPayload, recipientCertificate).</summary>
    public void EnqueueRecrypt(JsonObject request)
    {
        lock (_gate) _recrypts.Add(new QueuedRequest((string)request["requestId"]!, request));
    }

    public bool IsAcknowledged(string requestId)
    {
        lock (_gate) return _pkcs.Concat(_revocations).Concat(_imports).Concat(_recrypts).Any(r => r.Id == requestId && r.Acknowledged);
    }

    public static async Task<ServiceEmulator> StartAsync()
    {
        var certificate = CreateCertificate();
        var pem = Path.Combine(Path.GetTempPath(), $"emulator-{Guid.NewGuid():N}.pem");
        await File.WriteAllTextAsync(pem, certificate.ExportCertificatePem());
        var builder = WebApplication.CreateSlimBuilder();
        builder.Logging.ClearProviders();
        builder.WebHost.ConfigureKestrel(k => k.Listen(IPAddress.Loopback, 0, l => l.UseHttps(new HttpsConnectionAdapterOptions
        {
            ServerCertificate = certificate,
            // The token endpoint also takes a client certificate instead of a secret (mTLS); its trust is decided there.
            ClientCertificateMode = ClientCertificateMode.AllowCertificate,
            ClientCertificateValidation = (_, _, _) => true,
        })));
        var app = builder.Build();
        var emulator = new ServiceEmulator(app, certificate, pem);
        app.Run(emulator.HandleAsync);
        await app.StartAsync();
        var address = app.Services.GetRequiredService<IServer>().Features.Get<IServerAddressesFeature>()!.Addresses.First();
        emulator.BaseUri = new Uri(new Uri(address).GetLeftPart(UriPartial.Authority).Replace("[::]", "127.0.0.1").Replace("0.0.0.0", "127.0.0.1") + "/");
        return emulator;
    }

    private static X509Certificate2 CreateCertificate()
    {
        using var key = RSA.Create(2048);
        var request = new CertificateRequest("CN=service-emulator", key, HashAlgorithmName.SHA256, RSASignaturePadding.Pkcs1);
        var san = new SubjectAlternativeNameBuilder();
        san.AddIpAddress(IPAddress.Loopback);
        san.AddDnsName("localhost");
        request.CertificateExtensions.Add(san.Build());
        request.CertificateExtensions.Add(new X509BasicConstraintsExtension(true, false, 0, true));
        request.CertificateExtensions.Add(new X509EnhancedKeyUsageExtension([new Oid("1.3.6.1.5.5.7.3.1")], false));
        using var created = request.CreateSelfSigned(DateTimeOffset.UtcNow.AddDays(-1), DateTimeOffset.UtcNow.AddDays(30));
        return X509CertificateLoader.LoadPkcs12(created.Export(X509ContentType.Pfx), null);
    }

    private async Task HandleAsync(HttpContext context)
    {
        var path = context.Request.Path.Value ?? "";
        using var reader = new StreamReader(context.Request.Body);
        var body = await reader.ReadToEndAsync();
        var status = 200;
        try
        {
            if (TakeFault(path) is { } fault)
            {
                if (fault.Stall is { } stall) await Task.Delay(stall, context.RequestAborted);
                if (fault.Respond is { } respond)
                {
                    status = fault.Status;
                    await respond(context);
                    return;
                }
                if (fault.Drop)
                {
                    status = 0;
                    context.Abort();
                    return;
                }
                if (fault.Stall is null || fault.Status != 200)
                {
                    status = fault.Status;
                    context.Response.StatusCode = fault.Status;
                    if (fault.RetryAfter is { } ra) context.Response.Headers.RetryAfter = ((int)ra.TotalSeconds).ToString();
                    await context.Response.WriteAsJsonAsync(new { error = "injected fault" });
                    return;
                }
            }
            if (path == "/oauth2/token")
            {
                status = await TokenAsync(context, body);
                return;
            }
            if (!Authorized(context))
            {
                status = 401;
                context.Response.StatusCode = 401;
                await context.Response.WriteAsJsonAsync(new { error = "invalid_token" });
                return;
            }
            status = await RouteAsync(context, path, body);
        }
        catch (OperationCanceledException)
        {
            status = -1;
        }
        finally
        {
            _calls.Enqueue(new RecordedCall(DateTimeOffset.UtcNow, context.Request.Method, path, context.Request.Headers.Authorization.ToString(),
                context.Request.Headers["api-version"].ToString(), context.Request.Headers["client-request-id"].ToString(), body, status));
        }
    }

    private Fault? TakeFault(string path)
    {
        foreach (var fault in _faults)
            lock (fault)
                if (fault.Times > 0 && path.Contains(fault.PathContains, StringComparison.OrdinalIgnoreCase))
                {
                    fault.Times--;
                    return fault;
                }
        return null;
    }

    private async Task<int> TokenAsync(HttpContext context, string body)
    {
        var form = body.Split('&', StringSplitOptions.RemoveEmptyEntries).Select(p => p.Split('=', 2))
            .ToDictionary(p => Uri.UnescapeDataString(p[0]), p => p.Length > 1 ? Uri.UnescapeDataString(p[1].Replace('+', ' ')) : "");
        var presented = await context.Connection.GetClientCertificateAsync();
        var byCertificate = ClientCertificateThumbprint is not null && !form.ContainsKey("client_secret")
                            && string.Equals(presented?.Thumbprint, ClientCertificateThumbprint, StringComparison.OrdinalIgnoreCase);
        if (form.GetValueOrDefault("grant_type") != "client_credentials" || form.GetValueOrDefault("client_id") != ClientId
            || (!byCertificate && form.GetValueOrDefault("client_secret") != ClientSecret) || RejectSecret)
        {
            context.Response.StatusCode = 401;
            await context.Response.WriteAsJsonAsync(new { error = "invalid_client", error_description = "Client authentication failed." });
            return 401;
        }
        var token = $"tok-{Interlocked.Increment(ref _tokensIssued)}-{Guid.NewGuid():N}";
        _validTokens[token] = true;
        await context.Response.WriteAsJsonAsync(new { access_token = token, token_type = "Bearer", expires_in = TokenLifetimeSeconds });
        return 200;
    }

    private bool Authorized(HttpContext context)
    {
        var header = context.Request.Headers.Authorization.ToString();
        return !RejectAllTokens && header.StartsWith("Bearer ", StringComparison.Ordinal) && _validTokens.ContainsKey(header[7..]);
    }

    private async Task<int> RouteAsync(HttpContext context, string path, string body)
    {
        var json = body.Length > 0 ? JsonNode.Parse(body)?.AsObject() : null;
        object answer;
        switch (path)
        {
            case "/discovery":
                answer = new { value = DiscoveredServices.Select(s => new { providerName = s, uri = (s.StartsWith("Scep", StringComparison.Ordinal) ? ScepUri : PkiUri).ToString() }) };
                break;
            case "/pki/CertificateAuthorityRequests/downloadPkcsRequests":
                answer = new { value = Download(_pkcs, json) };
                break;
            case "/pki/CertificateAuthorityRequests/uploadPkcsResults":
                answer = new { value = Upload(_pkcs, _pkcsResults, json!["results"]!.AsArray(), "requestId") };
                break;
            case "/pki/CertificateAuthorityRequests/downloadRevocationRequests":
                answer = new { value = Download(_revocations, json) };
                break;
            case "/pki/CertificateAuthorityRequests/uploadRevocationResults":
                answer = new { value = Upload(_revocations, _revocationResults, json!["results"]!.AsArray(), "requestContext") };
                break;
            case "/pki/CertificateAuthorityRequests/downloadPkcsImportRequests":
                answer = new { value = Download(_imports, json) };
                break;
            case "/pki/CertificateAuthorityRequests/uploadPkcsImportResults":
                answer = new { value = Upload(_imports, _importResults, json!["results"]!.AsArray(), "requestId") };
                break;
            case "/pki/CertificateAuthorityRequests/downloadRecryptRequests":
                answer = new { value = Download(_recrypts, json) };
                break;
            case "/pki/CertificateAuthorityRequests/uploadRecryptResults":
                answer = new { value = Upload(_recrypts, _recryptResults, json!["results"]!.AsArray(), "requestId") };
                break;
            case "/pki/ConnectorHealth/uploadHealthMessages":
                lock (_gate) _healthMessages.AddRange(json!["messages"]!.AsArray().Select(m => m!.DeepClone().AsObject()));
                answer = new { value = true };
                break;
            case "/scep/ScepActions/validateRequest":
                var (code, description) = Validate(json!["request"]!.AsObject());
                answer = new { code, errorDescription = description };
                break;
            case "/scep/ScepActions/successNotification":
            case "/scep/ScepActions/failureNotification":
                var n = json!["notification"]!.DeepClone().AsObject();
                n["kind"] = path.EndsWith("successNotification", StringComparison.Ordinal) ? "success" : "failure";
                lock (_gate) _scepNotifications.Add(n);
                answer = new { code = "Success" };
                break;
            default:
                context.Response.StatusCode = 404;
                await context.Response.WriteAsJsonAsync(new { error = $"no such call {path}" });
                return 404;
        }
        await context.Response.WriteAsJsonAsync(answer);
        return 200;
    }

    private JsonArray Download(List<QueuedRequest> queue, JsonObject? body)
    {
        var max = body?["downloadParameters"]?["maxRequests"]?.GetValue<int>() ?? 100;
        var now = DateTimeOffset.UtcNow;
        lock (_gate)
        {
            var handed = queue.Where(r => !r.Acknowledged && r.LeasedUntil <= now).Take(max).ToList();
            foreach (var r in handed) r.LeasedUntil = now + Lease;
            return [.. handed.Select(r => (JsonNode)r.Body.DeepClone())];
        }
    }

    private bool Upload(List<QueuedRequest> queue, List<JsonObject> results, JsonArray uploaded, string idField)
    {
        lock (_gate)
        {
            foreach (var item in uploaded.Select(i => i!.AsObject()))
            {
                var id = (string)item[idField]!;
                results.Add(item.DeepClone().AsObject());
                var request = queue.FirstOrDefault(r => r.Id == id);
                if (request is null) continue;
                if (request.Acknowledged) _duplicates.Add(id);
                request.Acknowledged = true;
            }
        }
        return true;
    }

    public async ValueTask DisposeAsync()
    {
        await _app.StopAsync();
        await _app.DisposeAsync();
        try { File.Delete(CertificatePemPath); } catch (IOException) { }
    }

    private sealed class QueuedRequest(string id, JsonObject body)
    {
        public string Id { get; } = id;
        public JsonObject Body { get; } = body;
        public bool Acknowledged { get; set; }
        public DateTimeOffset LeasedUntil { get; set; } = DateTimeOffset.MinValue;
    }
}
