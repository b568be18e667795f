using CertConnector.Host.Tests.Common;
using System.Collections.Concurrent;
using CertConnector.Actors.Scep;
using CertConnector.Adapters.Scep;
using CertConnector.Adapters.Tests.Scep;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Hosting;
using Microsoft.AspNetCore.Http;
using Microsoft.Extensions.Logging;
using Org.BouncyCastle.X509;

namespace CertConnector.Adapters.Tests.Ca.Scep;

/// <summary>
/// An NDES-like upstream built from this project's own SCEP server pieces (decoder, CertRep builder, test CA): it keeps
/// transactions by transactionID, answers PENDING until <see cref="Approve"/>, and answers CertPoll for them. Or, with
/// <see cref="Handler"/>, anything at all (garbage, weak capabilities).
/// </summary>
public sealed class FakeScepUpstream : IAsyncDisposable
{
    private readonly WebApplication _app;
    private readonly ScepTestPki _pki = ScepTestPki.Instance;
    private readonly ConcurrentDictionary<string, Transaction> _transactions = new();
    private int _pkcsReqs;
    private byte[]? _firstAnswer;

    public FakeScepUpstream(Func<HttpContext, Task>? handler = null)
    {
        Handler = handler;
        Port = Tools.FreePort();
        var builder = WebApplication.CreateSlimBuilder();
        builder.Logging.ClearProviders();
        builder.WebHost.UseUrls($"http://127.0.0.1:{Port}");
        _app = builder.Build();
        _app.Run(context => Handler is { } h ? h(context) : ServeAsync(context));
        _app.StartAsync().GetAwaiter().GetResult();
    }

    public int Port { get; }
    public Uri Url => new($"http://127.0.0.1:{Port}/certsrv/mscep/mscep.dll");
    public Func<HttpContext, Task>? Handler { get; set; }
    public string Capabilities { get; set; } = "POSTPKIOperation\nRenewal\nSHA-512\nSHA-256\nSHA-1\nDES3";

    /// <summary>New transactions stay PENDING until approved.</summary>
    public bool HoldNewRequests { get; set; }

    /// <summary>Issue with a key that is not the CA's (a forged or misrouted certificate).</summary>
    public bool SignWithAnotherKey { get; set; }

    /// <summary>Answer every PKIOperation with the first answer given (a replayed CertRep).</summary>
    public bool Replay { get; set; }

    public X509Certificate CaCertificate => _pki.CaCert;
    public int PkcsReqCount => _pkcsReqs;

    /// <summary>PKIOperations that came as GET (base64 in the query), for an upstream without POSTPKIOperation.</summary>
    public int GetPkiOperations { get; private set; }

    public void Approve(string transactionId) => _transactions[transactionId].Approved = true;

    public void Deny(string transactionId) => _transactions[transactionId].Denied = true;

    /// <summary>The fake's own SCEP answers (a <see cref="Handler"/> may hand some operations back to it).</summary>
    public async Task ServeAsync(HttpContext context)
    {
        switch (context.Request.Query["operation"].ToString())
        {
            case "GetCACaps":
                await context.Response.WriteAsync(Capabilities);
                return;
            case "GetCACert":
                // NDES: its RA certificate(s) and the CA, as a certs-only PKCS#7.
                context.Response.ContentType = "application/x-x509-ca-ra-cert";
                await context.Response.Body.WriteAsync(DegenerateSignedData.Build([_pki.RaCert, _pki.CaCert]));
                return;
            case "PKIOperation":
                var body = new MemoryStream();
                if (HttpMethods.IsGet(context.Request.Method))
                {
                    GetPkiOperations++;
                    body.Write(Convert.FromBase64String(context.Request.Query["message"].ToString()));
                }
                else
                {
                    await context.Request.Body.CopyToAsync(body);
                }
                context.Response.ContentType = "application/x-pki-message";
                var answer = Replay && _firstAnswer is { } first ? first : Answer(body.ToArray());
                _firstAnswer ??= answer;
                await context.Response.Body.WriteAsync(answer);
                return;
            default:
                context.Response.StatusCode = 404;
                return;
        }
    }

    private byte[] Answer(byte[] body)
    {
        var request = new PkiMessageDecoder(_pki.RaCert, _pki.RaKey.Private).Decode(body);
        var builder = new CertRepBuilder(_pki.RaCert, _pki.RaKey.Private, [_pki.CaCert]);
        if (request.MessageType == ScepMessageType.PKCSReq)
        {
            Interlocked.Increment(ref _pkcsReqs);
            _transactions.GetOrAdd(request.TransactionId, _ => new Transaction(request.Csr!) { Approved = !HoldNewRequests });
        }
        if (!_transactions.TryGetValue(request.TransactionId, out var transaction)) return builder.Failure(request, ScepFailInfo.BadCertId);
        if (transaction.Denied) return builder.Failure(request, ScepFailInfo.BadRequest);
        if (!transaction.Approved) return builder.Pending(request);
        transaction.Certificate ??= SignWithAnotherKey ? IssueWithAnotherKey(transaction.Csr) : _pki.IssueFromCsr(transaction.Csr);
        return builder.Success(request, [transaction.Certificate, _pki.CaCert]);
    }

    private X509Certificate IssueWithAnotherKey(byte[] csrDer)
    {
        var csr = new Org.BouncyCastle.Pkcs.Pkcs10CertificationRequest(csrDer);
        return _pki.Issue(csr.GetCertificationRequestInfo().Subject, csr.GetPublicKey(), _pki.CaCert.SubjectDN, _pki.ClientKey.Private, ca: false,
            new Org.BouncyCastle.Asn1.X509.KeyUsage(Org.BouncyCastle.Asn1.X509.KeyUsage.DigitalSignature));
    }

    public async ValueTask DisposeAsync() => await _app.DisposeAsync();

    private sealed class Transaction(byte[] csr)
    {
        public byte[] Csr { get; } = csr;
        public volatile bool Approved;
        public volatile bool Denied;
        public X509Certificate? Certificate { get; set; }
    }
}
