using System.Text.RegularExpressions;
using CertConnector.Actors.Logging;

namespace CertConnector.Adapters.Tests.Logging;

/// <summary>The event IDs are a public contract: the code's catalog must match the document exactly.</summary>
public sealed partial class EventCatalogTests
{
    /// <summary>Found from this source file, so a build with --artifacts-path elsewhere still finds it.</summary>
    private static string RepoRoot([System.Runtime.CompilerServices.CallerFilePath] string sourceFile = "")
    {
        var dir = new DirectoryInfo(Path.GetDirectoryName(sourceFile)!);
        while (dir is not null && !File.Exists(Path.Combine(dir.FullName, "Akka.sln"))) dir = dir.Parent;
        return dir?.FullName ?? throw new InvalidOperationException("Akka.sln not found above " + sourceFile);
    }

    [Fact]
    public void Catalog_matches_the_documented_ids_names_and_channels()
    {
        var doc = File.ReadAllText(Path.Combine(RepoRoot(), "docs", "EVENT-IDS.md"));
        var documented = Row().Matches(doc).Select(m => (int.Parse(m.Groups[1].Value), m.Groups[2].Value, m.Groups[3].Value)).ToList();
        Assert.True(documented.Count >= 60, $"only {documented.Count} rows parsed");
        var coded = ConnectorEvents.All.Select(e => (e.Id, e.Name, e.Channel.ToString())).ToList();
        Assert.Equal(documented.OrderBy(d => d.Item1), coded.OrderBy(c => c.Id));
        Assert.Equal(coded.Count, coded.Select(c => c.Id).Distinct().Count());
    }

    [Fact]
    public void The_copy_in_docs_is_the_shared_contract_when_it_is_beside_the_repo()
    {
        var shared = Path.Combine(RepoRoot(), "..", "shared", "EVENT-IDS.md");
        if (!File.Exists(shared)) return; // a clone without the steering folder: the copy is all there is
        Assert.Equal(File.ReadAllText(shared), File.ReadAllText(Path.Combine(RepoRoot(), "docs", "EVENT-IDS.md")));
    }

    [GeneratedRegex(@"^\| (\d{4}) \| (\w+) \| (Admin|Operational) \|", RegexOptions.Multiline)]
    private static partial Regex Row();
}
