using CertConnector.Adapters.Scep;
using CertConnector.Adapters.Scep.Client;

namespace CertConnector.Host.Tests.Scep;

/// <summary>Minted challenges are nowhere on disk in plaintext after enrollments through the real process.</summary>
[Trait("Category", "Interop")]
public sealed class ScepChallengeAtRestTests
{
    private const int Enrollments = 6;

    /// <summary>Mints challenges, enrolls with each (PrintableString, UTF8String and BMPString), stops the connector.</summary>
    private static async Task<(string DataDir, List<string> Challenges)> EnrollAndStopAsync()
    {
        using var connector = new ScepConnector();
        var challenges = new List<string>();
        for (var i = 0; i < Enrollments; i++)
        {
            var subject = $"CN=at-rest-{i}";
            var challenge = connector.Challenge(subject);
            challenges.Add(challenge);
            var key = ScepHttpClient.NewKey();
            var type = (ChallengeStringType)(i % 3);
            var reply = await connector.Http.EnrollAsync(key, ScepClient.SelfSigned(key, subject), ScepClient.CreateCsr(key, subject, challenge, type));
            Assert.Equal(ScepPkiStatus.Success, reply.Status);
        }
        var dataDir = connector.Process.DataDir;
        connector.Process.WaitUntil(() => connector.Process.Cli("scep", "notifications").Stdout.Split("transactionId").Length - 1 >= Enrollments,
            TimeSpan.FromSeconds(30), "every notification to be stored");
        // While running: the WAL still holds the latest writes.
        Assert.Empty(DataDirSecretScan.Find([.. DataDirSecretScan.StandaloneDatabase(dataDir), .. DataDirSecretScan.Journal(dataDir),
            .. DataDirSecretScan.Logs(dataDir)], challenges));
        Assert.Equal(0, connector.Process.Interrupt(TimeSpan.FromSeconds(30)));
        return (dataDir, challenges);
    }

    [Fact]
    public async Task Standalone_database_journal_and_logs_hold_no_minted_challenge()
    {
        var (dataDir, challenges) = await EnrollAndStopAsync();
        Assert.True(new FileInfo(Path.Combine(dataDir, "standalone.db")).Length > 0);
        Assert.True(new FileInfo(Path.Combine(dataDir, "connector.db")).Length > 0);
        Assert.Empty(DataDirSecretScan.Find([.. DataDirSecretScan.StandaloneDatabase(dataDir), .. DataDirSecretScan.Journal(dataDir),
            .. DataDirSecretScan.Logs(dataDir)], challenges));
    }
}
