using System.Diagnostics;
using System.Net;
using System.Net.Sockets;
using System.Text;
using CertConnector.Host.Tests.Common;

namespace CertConnector.Adapters.Tests.Ca.Scep;

/// <summary>
/// Debian's micromdm scepserver as the upstream CA: a depot initialised in a temporary directory, the server on a free
/// loopback port with a challenge, stopped (and the directory removed) on dispose.
/// </summary>
public sealed class ScepServerProcess : IDisposable
{
    public const string Binary = "/usr/bin/scepserver";
    public const string ChallengePassword = "upstream-secret";

    private readonly string _directory = Tools.TempDir("scepserver");
    private readonly Process _process;
    private readonly StringBuilder _log = new();
    private bool _disposed;

    public int Port { get; }
    public Uri Url => new($"http://127.0.0.1:{Port}/scep");
    public string Depot => Path.Combine(_directory, "depot");
    public string CaPemPath => Path.Combine(Depot, "ca.pem");
    public string Directory => _directory;

    /// <param name="csrVerifierScript">a shell script scepserver runs on every CSR before signing (-csrverifierexec), e.g. to be slow.</param>
    /// <param name="challenge">the challenge password scepserver demands in every CSR; null: none (an upstream that trusts its RA).</param>
    /// <param name="certificateDays">the validity of the certificates it issues (-crtvalid); null: scepserver's default, a year.</param>
    public ScepServerProcess(string? csrVerifierScript = null, string? challenge = ChallengePassword, int? certificateDays = null)
    {
        Tools.Run(Binary, "ca", "-init", "-depot", Depot, "-keySize", "2048", "-organization", "Upstream Test CA");
        Port = Tools.FreePort();
        var start = new ProcessStartInfo(Binary)
        {
            RedirectStandardOutput = true,
            RedirectStandardError = true,
            UseShellExecute = false,
        };
        foreach (var argument in new[] { "-depot", Depot, "-port", Port.ToString(), "-debug" })
            start.ArgumentList.Add(argument);
        if (challenge is not null)
        {
            start.ArgumentList.Add("-challenge");
            start.ArgumentList.Add(challenge);
        }
        if (certificateDays is { } days)
        {
            start.ArgumentList.Add("-crtvalid");
            start.ArgumentList.Add(days.ToString(System.Globalization.CultureInfo.InvariantCulture));
        }
        if (csrVerifierScript is not null)
        {
            var verifier = Path.Combine(_directory, "verify-csr.sh");
            File.WriteAllText(verifier, "#!/bin/sh\n" + csrVerifierScript + "\n");
            Tools.Run("chmod", "700", verifier);
            start.ArgumentList.Add("-csrverifierexec");
            start.ArgumentList.Add(verifier);
        }
        _process = Process.Start(start)!;
        _process.ErrorDataReceived += (_, e) => { lock (_log) _log.AppendLine(e.Data); };
        _process.OutputDataReceived += (_, e) => { lock (_log) _log.AppendLine(e.Data); };
        _process.BeginErrorReadLine();
        _process.BeginOutputReadLine();
        WaitUntilListening();
    }

    /// <summary>What scepserver logged (with -debug it names each message's transaction_id).</summary>
    public string Log
    {
        get { lock (_log) return _log.ToString(); }
    }

    /// <summary>The certificates scepserver issued with this subject CN: one line each in its OpenSSL-style index.txt.</summary>
    public IReadOnlyList<string> IndexLines(string commonName) =>
        File.ReadAllLines(Path.Combine(Depot, "index.txt")).Where(l => l.EndsWith("/CN=" + commonName, StringComparison.Ordinal)).ToList();

    /// <summary>Files of issued certificates with this CN (scepserver writes &lt;cn&gt;.&lt;serial&gt;.pem per issuance).</summary>
    public IReadOnlyList<string> CertificateFiles(string commonName) =>
        System.IO.Directory.GetFiles(Depot, commonName + ".*.pem");

    private void WaitUntilListening()
    {
        for (var i = 0; i < 200; i++)
        {
            if (_process.HasExited) throw new InvalidOperationException($"scepserver exited with {_process.ExitCode}: {Log}");
            try
            {
                using var client = new TcpClient();
                client.Connect(IPAddress.Loopback, Port);
                return;
            }
            catch (SocketException)
            {
                Thread.Sleep(50);
            }
        }
        throw new InvalidOperationException($"scepserver did not listen on port {Port}: {Log}");
    }


    public void Dispose()
    {
        if (_disposed) return;
        _disposed = true;
        try
        {
            if (!_process.HasExited) _process.Kill();
            _process.WaitForExit();
        }
        finally
        {
            _process.Dispose();
            try { System.IO.Directory.Delete(_directory, true); } catch (IOException) { }
        }
    }
}
