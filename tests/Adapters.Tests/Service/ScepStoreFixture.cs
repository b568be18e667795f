using CertConnector.Adapters.Service.Standalone;

namespace CertConnector.Adapters.Tests.Service;

/// <summary>A throw-away standalone.db per test, a hand-moved clock, and the databases opened on it.</summary>
public abstract class ScepStoreFixture : IDisposable
{
    private readonly List<StandaloneDatabase> _databases = [];

    protected string Dir { get; } = Path.Combine(Path.GetTempPath(), "scep-store-tests-" + Guid.NewGuid().ToString("N"));

    protected ManualTimeProvider Clock { get; } = new();

    protected string DbPath => Path.Combine(Dir, StandaloneDatabase.FileName);

    /// <summary>A database handle on the test's file (or <paramref name="path"/>); several model several instances.</summary>
    protected StandaloneDatabase OpenDatabase(string? path = null)
    {
        var database = new StandaloneDatabase(path ?? DbPath, TimeSpan.FromSeconds(10));
        _databases.Add(database);
        return database;
    }

    /// <summary>Closes every pooled connection, as a process exit would, so the next open really reopens the file.</summary>
    protected void CloseAll()
    {
        foreach (var database in _databases) database.Dispose();
        _databases.Clear();
    }

    public void Dispose()
    {
        CloseAll();
        try { Directory.Delete(Dir, recursive: true); } catch (IOException) { } catch (UnauthorizedAccessException) { }
        GC.SuppressFinalize(this);
    }
}
