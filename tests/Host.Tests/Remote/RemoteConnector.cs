using System.Text.Json.Nodes;
using CertConnector.Tests.Emulator;

namespace CertConnector.Host.Tests.Remote;

/// <summary>The real connector process in service-connected mode against the emulator, with short intervals.</summary>
public static class RemoteConnector
{
    public static Dictionary<string, string> Settings(ServiceEmulator emulator, IReadOnlyDictionary<string, string>? extra = null)
    {
        var settings = new Dictionary<string, string>
        {
            ["Service:Mode"] = "remote",
            ["Service:TokenUrl"] = emulator.TokenUrl.ToString(),
            ["Service:ClientId"] = ServiceEmulator.ClientId,
            ["Service:ClientSecret"] = ServiceEmulator.ClientSecret,
            ["Service:DiscoveryUrl"] = emulator.DiscoveryUrl.ToString(),
            ["Service:TrustedCertificates"] = emulator.CertificatePemPath,
            ["Service:MaxAttempts"] = "2",
            ["Service:RetryBaseDelay"] = "00:00:00.100",
            ["Service:RetryMaxDelay"] = "00:00:00.500",
            ["Service:Health:Interval"] = "00:00:02",
            ["Pkcs:PollInterval"] = "00:00:00.500",
            ["Pkcs:RetryBaseDelay"] = "00:00:00.500",
            ["Pkcs:RetryMaxDelay"] = "00:00:02",
            ["Revocation:PollInterval"] = "00:00:00.500",
            ["Revocation:RetryBaseDelay"] = "00:00:00.500",
            ["Revocation:RetryMaxDelay"] = "00:00:02",
            ["PkcsImport:PollInterval"] = "00:00:00.500",
            ["Recrypt:PollInterval"] = "00:00:00.500",
        };
        foreach (var (key, value) in extra ?? new Dictionary<string, string>()) settings[key] = value;
        return settings;
    }

    public static ConnectorProcess Start(ServiceEmulator emulator, string dataDir, IReadOnlyDictionary<string, string>? extra = null) =>
        ConnectorProcess.Start(dataDir, Settings(emulator, extra));

    /// <summary>A device certificate and key made by openssl; the request the service would queue for it.</summary>
    public static (JsonObject Request, string CertPem, string KeyPem) PkcsRequest(string dir, string id, bool rsaDevice = true, string keySpec = "RSA")
    {
        Directory.CreateDirectory(dir);
        var key = Path.Combine(dir, $"{id}.device.key");
        var cert = Path.Combine(dir, $"{id}.device.crt");
        var der = Path.Combine(dir, $"{id}.device.der");
        Tools.OpenSsl(rsaDevice ? ["genpkey", "-algorithm", "RSA", "-pkeyopt", "rsa_keygen_bits:2048", "-out", key]
                                : ["genpkey", "-algorithm", "EC", "-pkeyopt", "ec_paramgen_curve:P-256", "-out", key]);
        Tools.OpenSsl("req", "-x509", "-new", "-key", key, "-subj", "/CN=device-" + id, "-days", "30", "-out", cert);
        Tools.OpenSsl("x509", "-in", cert, "-outform", "DER", "-out", der);
        var request = new JsonObject
        {
            ["requestId"] = id,
            ["subjectName"] = "CN=Alice Example,O=Contoso,C=US",
            ["subjectAlternativeNames"] = new JsonArray(
                new JsonObject { ["type"] = "upn", ["value"] = "alice@contoso.com" },
                new JsonObject { ["type"] = "email", ["value"] = "alice@contoso.com" }),
            ["certificateType"] = "user",
            ["templateName"] = "smime",
            ["caConfiguration"] = "built-in",
            ["keyAlgorithm"] = keySpec,
            ["keySize"] = keySpec == "RSA" ? 2048 : 256,
            ["curve"] = keySpec == "RSA" ? null : "P-256",
            ["validityDays"] = 30,
            ["deviceCertificate"] = Convert.ToBase64String(File.ReadAllBytes(der)),
        };
        return (request, cert, key);
    }

    public static void WaitFor(ConnectorProcess connector, Func<bool> condition, string what, int seconds = 90) =>
        connector.WaitUntil(condition, TimeSpan.FromSeconds(seconds), what);

    public static int ResultsFor(ServiceEmulator emulator, string id) => emulator.PkcsResults.Count(r => (string)r["requestId"]! == id);
}
