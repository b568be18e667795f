using CertConnector.Host.Cli;
using CertConnector.Host.Ca.Named;
using CertConnector.Host.Features;

namespace CertConnector.Host.Tests.Features;

/// <summary>
/// The connector run inside the test's process, composed of a feature list the test chooses (the real executable always runs
/// <see cref="ConnectorFeatures.All"/>): the way to show that a feature defined in the tests gets what a built-in one gets.
/// </summary>
public sealed class InProcessConnector : IAsyncDisposable
{
    private readonly CancellationTokenSource _stop = new();
    private readonly Task<int> _run;

    private InProcessConnector(IReadOnlyList<ConnectorFeature> features, IReadOnlyList<string> extraArgs, IReadOnlyList<CaType>? caTypes)
    {
        Features = features;
        Dir = Tools.TempDir("features");
        DataDir = Path.Combine(Dir, "data");
        _run = Task.Run(() => ServerApp.RunAsync(["--data-dir", DataDir, "--admin-url", "http://127.0.0.1:0", "--scep-url", "http://127.0.0.1:0",
            "--Connector:Pkcs:KeyPoolEnabled=false", "--Connector:Logging:Console=false", .. extraArgs], features, _stop.Token, caTypes));
    }

    public IReadOnlyList<ConnectorFeature> Features { get; }
    public string Dir { get; }
    public string DataDir { get; }
    public string AdminUrl => File.ReadAllText(Path.Combine(DataDir, "admin.url")).Trim();

    /// <param name="extraArgs">more arguments, e.g. settings of a feature of the test's.</param>
    /// <param name="caTypes">the CA types <c>Connector:Cas</c> may name (default: the program's), e.g. with one of the test's.</param>
    public static async Task<InProcessConnector> StartAsync(IReadOnlyList<ConnectorFeature> features, IReadOnlyList<string>? extraArgs = null,
        IReadOnlyList<CaType>? caTypes = null)
    {
        var connector = new InProcessConnector(features, extraArgs ?? [], caTypes);
        var deadline = DateTime.UtcNow + TimeSpan.FromSeconds(90);
        // Waiting for the connector to say it is ready (admin.url is written last), not a timing assertion.
        while (!File.Exists(Path.Combine(connector.DataDir, "admin.url")))
        {
            if (connector._run.IsCompleted) throw new InvalidOperationException($"The connector stopped while starting: {connector._run.Exception?.GetBaseException().Message}");
            if (DateTime.UtcNow > deadline) throw new TimeoutException("The in-process connector did not start.");
            await Task.Delay(100);
        }
        return connector;
    }

    public AdminClient Client() => AdminClient.Create(AdminUrl, DataDir);

    /// <summary>Runs <c>certconnector ARGS</c> in this process, with the CLI built from <paramref name="features"/> (default: this connector's).</summary>
    public Task<int> CliAsync(string[] args, IReadOnlyList<ConnectorFeature>? features = null) =>
        CliApp.RunAsync([.. args, "--url", AdminUrl, "--data-dir", DataDir], features ?? Features);

    public async ValueTask DisposeAsync()
    {
        await _stop.CancelAsync();
        try { await _run; } catch (OperationCanceledException) { }
        _stop.Dispose();
        try { Directory.Delete(Dir, true); } catch (IOException) { }
    }
}
