namespace CertConnector.Host.Tests.Ca;

/// <summary>A PKCS request through the CLI, as an operator makes one, opened with openssl: the certificate file, the PKCS#12 and its password.</summary>
public static class PkcsThroughCli
{
    /// <returns>the path of the issued certificate (PEM); <paramref name="p12"/> and <paramref name="pass"/> are the decrypted PKCS#12 and its password.</returns>
    /// <param name="subject">the request's subject (a CA that refuses a second certificate for one name needs a new one per request).</param>
    /// <param name="extraArgs">more options of <c>pkcs request</c>, e.g. <c>--ca NAME</c>.</param>
    public static string Issue(ConnectorProcess connector, string dir, out string p12, out string pass, string key = "rsa:2048",
        string subject = "CN=Hsm Alice,O=Contoso", params string[] extraArgs)
    {
        var deviceKey = Path.Combine(dir, "device.key");
        var deviceCert = Path.Combine(dir, "device.crt");
        Tools.OpenSsl("genpkey", "-algorithm", "EC", "-pkeyopt", "ec_paramgen_curve:P-256", "-out", deviceKey);
        Tools.OpenSsl("req", "-x509", "-new", "-key", deviceKey, "-subj", "/CN=device-1", "-days", "30", "-out", deviceCert);
        var id = $"hsm-{Guid.NewGuid():N}";
        var queued = connector.Cli(["pkcs", "request", "--subject", subject, "--device-cert", deviceCert, "--key", key, "--request-id", id, .. extraArgs]);
        Assert.True(queued.ExitCode == 0, queued.ToString());
        connector.WaitForQueueStatus(id, "Completed", TimeSpan.FromSeconds(60));
        var result = connector.Cli("pkcs", "result", id, "--out", dir);
        Assert.True(result.ExitCode == 0, result.ToString());
        var password = Path.Combine(dir, "password.txt");
        Tools.OpenSsl("cms", "-decrypt", "-inform", "DER", "-in", Path.Combine(dir, $"{id}.password.cms"), "-recip", deviceCert, "-inkey", deviceKey, "-out", password);
        p12 = Path.Combine(dir, "cert.p12");
        Tools.OpenSsl("cms", "-decrypt", "-inform", "DER", "-in", Path.Combine(dir, $"{id}.p12.cms"), "-recip", deviceCert, "-inkey", deviceKey, "-out", p12);
        pass = File.ReadAllText(password);
        return Path.Combine(dir, $"{id}.crt.pem");
    }
}
