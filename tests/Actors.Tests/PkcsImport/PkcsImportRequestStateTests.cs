using CertConnector.Actors.Common;
using CertConnector.Actors.PkcsImport;
using CertConnector.Actors.Ports;

namespace CertConnector.Actors.Tests.PkcsImport;

/// <summary>The import state machine as a table: outcome in, events and next step out. No actors.</summary>
public sealed class PkcsImportRequestStateTests
{
    private static readonly DateTimeOffset T0 = DateTimeOffset.Parse("2026-12-01T00:00:00Z");
    private static readonly RetryPolicy Policy = new(3, TimeSpan.FromSeconds(10), TimeSpan.FromMinutes(10));
    private static readonly PkcsImportRequest Request = new("im-1", "alice@contoso.example", [1], [2], "oaepSha384", [3]);

    private static PkcsImportRequestState Fold(IEnumerable<IConnectorEvent> events, PkcsImportRequestState? from = null) =>
        events.Aggregate(from ?? PkcsImportRequestState.Empty("im-1"), (s, e) => s.Apply(e));

    private static PkcsImportRequestState Downloaded() => Fold(PkcsImportRequestState.Empty("im-1").DecideStart(Request, T0));

    [Fact]
    public void Downloaded_asks_to_reencrypt_and_a_second_download_changes_nothing()
    {
        var state = Downloaded();
        Assert.IsType<PkcsImportNextStep.Reencrypt>(state.NextStep());
        Assert.Empty(state.DecideStart(Request, T0.AddMinutes(1)));
    }

    [Fact]
    public void Reencrypted_uploads_the_envelope_and_a_late_second_outcome_is_ignored()
    {
        var state = Fold(Downloaded().DecideReencrypted([9, 9], T0), Downloaded());
        var upload = Assert.IsType<PkcsImportNextStep.Upload>(state.NextStep());
        Assert.True(upload.Outcome.Succeeded);
        Assert.Equal([9, 9], upload.Outcome.EncryptedPassword);
        Assert.Empty(state.DecideReencrypted([1], T0));
        var done = Fold(state.DecideUploaded(T0), state);
        Assert.True(done.IsTerminal);
        Assert.IsType<RequestStep.Nothing>(done.NextStep());
    }

    [Fact]
    public void A_retryable_error_waits_then_retries_and_gives_up_at_the_limit()
    {
        var reason = new FailureReason(IConnectorKeyCipher.KeyUnavailableCode, "none here", true);
        var state = Downloaded();
        for (var attempt = 1; attempt < Policy.MaxAttempts; attempt++)
        {
            var events = state.DecideFailure(PkcsImportStage.Reencrypt, reason, Policy, T0, 0.5);
            var failed = Assert.IsType<PkcsImportAttemptFailed>(Assert.Single(events));
            Assert.Equal(attempt, failed.Attempt);
            state = Fold(events, state);
            Assert.IsType<RequestStep.WaitUntil>(state.NextStep());
            Assert.IsType<PkcsImportNextStep.Reencrypt>(state.StepAfterWait());
        }
        state = Fold(state.DecideFailure(PkcsImportStage.Reencrypt, reason, Policy, T0, 0.5), state);
        Assert.Equal(PkcsImportStatus.Failed, state.Status);
        var upload = Assert.IsType<PkcsImportNextStep.Upload>(state.NextStep());
        Assert.False(upload.Outcome.Succeeded);
    }

    [Fact]
    public void A_final_error_fails_at_once_and_a_final_upload_error_decides_nothing()
    {
        var state = Fold(Downloaded().DecideFailure(PkcsImportStage.Reencrypt, new("PfxPasswordMismatch", "no", false), Policy, T0, 0.5), Downloaded());
        Assert.Equal(PkcsImportStatus.Failed, state.Status);
        Assert.Empty(state.DecideFailure(PkcsImportStage.Upload, new("Rejected", "no", false), Policy, T0, 0.5));
        var retried = Assert.IsType<PkcsImportAttemptFailed>(Assert.Single(state.DecideFailure(PkcsImportStage.Upload, new("Network", "down", true), Policy, T0, 0.5)));
        Assert.Equal(PkcsImportStage.Upload, retried.Stage);
    }
}
