namespace CertConnector.Host.Tests.Common;

/// <summary>
/// A connector whose renewal window covers freshly issued certificates, so renewals can be tested, and which decrypts
/// single DES: the Debian package's scepclient (micromdm 2.1.0) encrypts with nothing else.
/// </summary>
public class ScepConnector : IDisposable
{
    public ScepConnector() : this(new Dictionary<string, string> { ["Scep:RenewalWindowDays"] = "400", ["Scep:AllowSingleDes"] = "true" })
    {
    }

    /// <param name="settings">configuration overrides under Connector: (e.g. ["Scep:MaxConcurrentOperations"] = "1").</param>
    protected ScepConnector(IReadOnlyDictionary<string, string> settings)
    {
        Dir = Tools.TempDir("scep");
        Process = ConnectorProcess.Start(Path.Combine(Dir, "data"), settings);
        Http = new ScepHttpClient(Process.ScepUrl);
        File.WriteAllText(CaPem, Process.Cli("ca", "cert").Stdout);
    }

    public string Dir { get; }
    public ConnectorProcess Process { get; }
    public ScepHttpClient Http { get; }
    public string CaPem => Path.Combine(Dir, "ca.pem");

    public string Challenge(string subject, string ttl = "10m")
    {
        var minted = Process.Cli("scep", "challenge", "--subject", subject, "--ttl", ttl);
        if (minted.ExitCode != 0) throw new InvalidOperationException(minted.ToString());
        return minted.Json.GetProperty("challenge").GetString()!;
    }

    public void Dispose()
    {
        Http.Dispose();
        Process.Dispose();
    }
}
