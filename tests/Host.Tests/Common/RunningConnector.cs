namespace CertConnector.Host.Tests.Common;

/// <summary>One connector process shared by a test class (start-up costs a few seconds).</summary>
public sealed class RunningConnector : IDisposable
{
    public RunningConnector()
    {
        Dir = Tools.TempDir("connector");
        Process = ConnectorProcess.Start(Path.Combine(Dir, "data"));
    }

    public string Dir { get; }
    public ConnectorProcess Process { get; }

    public void Dispose()
    {
        Process.Dispose();
        try { Directory.Delete(Dir, true); } catch (IOException) { }
    }
}
