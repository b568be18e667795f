using CertConnector.Adapters.Tests.Ca.Scep;
using CertConnector.Host.Tests.Ca;
using CertConnector.Host.Tests.Scep;

namespace CertConnector.Host.Tests.Admin.StatusPage;

/// <summary>
/// One connector for the status page tests, after an end-to-end run: a PKCS request issued by the built-in CA, one sent to a CA that
/// does not answer (a SCEP upstream on a closed port; one attempt, so it fails for good at once), a SCEP enrollment by scepclient, and a
/// SCEP request with a wrong challenge whose subject is a script tag.
/// </summary>
public sealed class StatusPageConnector : ScepConnector
{
    public const string FailingCa = "down";
    public const string FailedRequestId = "page-fail-1";
    public const string InjectedSubject = "CN=<script>alert(1)</script>,O=Contoso";
    public const string InjectedCn = "<script>alert(2)</script>";

    public StatusPageConnector() : base(new Dictionary<string, string>
    {
        ["Instance"] = "page-instance-7",
        ["Scep:RenewalWindowDays"] = "400",
        ["Scep:AllowSingleDes"] = "true",
        ["Cas:builtin:Type"] = "builtin",
        ["Cas:Default"] = "builtin",
        [$"Cas:{FailingCa}:Type"] = "scep",
        [$"Cas:{FailingCa}:Url"] = $"http://127.0.0.1:{Tools.FreePort()}/scep",
        [$"Cas:{FailingCa}:RequestTimeout"] = "00:00:02",
        [$"Cas:{FailingCa}:TemplateNames:0"] = "client-auth",
        ["Pkcs:MaxAttempts"] = "1",
    })
    {
        PkcsThroughCli.Issue(Process, Tools.TempDir("page-pkcs"), out _, out _, subject: "CN=Page Alice,O=Contoso");

        var deviceCert = Tools.DeviceCertificateFile(Tools.TempDir("page-fail"));
        var queued = Process.Cli("pkcs", "request", "--subject", InjectedSubject, "--device-cert", deviceCert, "--ca", FailingCa, "--request-id", FailedRequestId);
        if (queued.ExitCode != 0) throw new InvalidOperationException(queued.ToString());
        Process.WaitForQueueStatus(FailedRequestId, "Failed", TimeSpan.FromSeconds(90));

        var enrolled = ScepClientTool.Run(Process.ScepUrl, "page-device", Challenge("CN=page-device,OU=MDM,O=scep-client,C=US"));
        if (enrolled.Exit != 0) throw new InvalidOperationException(enrolled.Output);
        var refused = ScepClientTool.Run(Process.ScepUrl, InjectedCn, "not-a-challenge");
        if (refused.Exit == 0) throw new InvalidOperationException("a SCEP request with a made-up challenge was granted: " + refused.Output);

        Instance = Process.Cli("status").Json.GetProperty("instance").GetString()!;
        Token = File.ReadAllText(Path.Combine(Process.DataDir, "admin.token")).Trim();
    }

    public string Instance { get; }
    public string Token { get; }
    public string AdminUrl => Process.AdminUrl;

    /// <summary>A one-time link, as <c>certconnector status --open</c> prints it.</summary>
    public string SignInLink()
    {
        var open = Process.Cli("status", "--open");
        if (open.ExitCode != 0) throw new InvalidOperationException(open.ToString());
        return open.Stdout.Trim();
    }
}
