using CertConnector.Actors.Common;
using CertConnector.Actors.Pkcs;

namespace CertConnector.Actors.Tests.Pkcs;

/// <summary>The PKCS state machine as tables: Decide and Apply only, no actors.</summary>
public sealed class PkcsRequestStateTests
{
    private static readonly DateTimeOffset T0 = DateTimeOffset.Parse("2026-11-25T12:00:00Z");
    private static readonly RetryPolicy Policy = new(3, TimeSpan.FromSeconds(10), TimeSpan.FromMinutes(5));
    private static readonly FailureReason Busy = new("CaUnavailable", "busy", true);
    private static readonly FailureReason Denied = new("CaDenied", "policy", false);

    private static PkcsRequestState Fold(IEnumerable<IConnectorEvent> events) =>
        events.Aggregate(PkcsRequestState.Empty("req-1"), (s, e) => s.Apply(e));

    private static PkcsRequestState Downloaded() => Fold(PkcsRequestState.Empty("req-1").DecideStart(Samples.Request(), T0));

    private static PkcsCertificateIssued Issued() => new("req-1", [1], [2], [3], "0A", "TH", T0.AddYears(1), T0);

    [Fact]
    public void A_new_request_is_downloaded_once()
    {
        var first = PkcsRequestState.Empty("req-1").DecideStart(Samples.Request(), T0);
        Assert.IsType<PkcsRequestDownloaded>(Assert.Single(first));
        var state = Fold(first);
        Assert.Equal(PkcsStatus.Downloaded, state.Status);
        Assert.Empty(state.DecideStart(Samples.Request(), T0));
        Assert.IsType<PkcsNextStep.Issue>(state.NextStep());
    }

    [Fact]
    public void A_long_run_of_failed_attempts_keeps_two_history_lines_its_first_and_its_latest()
    {
        var state = Downloaded();
        var attempt = 0;
        IReadOnlyList<IConnectorEvent> Fail(PkcsStage stage) =>
            [new PkcsAttemptFailed("req-1", stage, ++attempt, Busy, T0.AddMinutes(attempt), T0.AddSeconds(attempt))];
        for (var i = 0; i < 50; i++) state = Fold(Fail(PkcsStage.Issue), state);

        Assert.Equal(["Downloaded", "FailedAttempt", "FailedAttempt"], state.History.Select(h => h.Event));
        Assert.StartsWith("stage=Issue attempt=1 ", state.History[1].Detail);
        Assert.StartsWith("stage=Issue attempt=50 ", state.History[2].Detail);
        Assert.EndsWith("(attempts 2-49 not listed)", state.History[2].Detail);
        Assert.Equal(T0.AddSeconds(50), state.History[2].At);
        Assert.Equal(50, state.Retry!.Attempts); // the count itself is the state's, not the history's

        // Another stage's failures are a run of their own.
        state = Fold([Issued()], state);
        attempt = 0;
        for (var i = 0; i < 3; i++) state = Fold(Fail(PkcsStage.Upload), state);
        Assert.Equal(["Downloaded", "FailedAttempt", "FailedAttempt", "Issued", "FailedAttempt", "FailedAttempt"], state.History.Select(h => h.Event));
        Assert.EndsWith("attempt=3 next=" + T0.AddMinutes(3).ToString("O") + " CaUnavailable: busy (attempt 2 not listed)", state.History[5].Detail);
    }

    private static PkcsRequestState Fold(IEnumerable<IConnectorEvent> events, PkcsRequestState from) => events.Aggregate(from, (s, e) => s.Apply(e));

    [Theory]
    [InlineData(1, true)]
    [InlineData(2, true)]
    [InlineData(3, false)] // the third failure reaches MaxAttempts = 3
    public void Retryable_issue_failures_retry_until_the_limit(int failures, bool expectRetry)
    {
        var state = Downloaded();
        IReadOnlyList<IConnectorEvent> last = [];
        for (var i = 0; i < failures; i++)
        {
            last = state.DecideFailure(PkcsStage.Issue, Busy, Policy, T0, 0.5);
            state = last.Aggregate(state, (s, e) => s.Apply(e));
        }
        if (expectRetry)
        {
            var failed = Assert.IsType<PkcsAttemptFailed>(Assert.Single(last));
            Assert.Equal(failures, failed.Attempt);
            Assert.Equal(PkcsStatus.FailedAttempt, state.Status);
            Assert.IsType<PkcsNextStep.WaitUntil>(state.NextStep());
            Assert.IsType<PkcsNextStep.Issue>(state.StepAfterWait());
        }
        else
        {
            var failed = Assert.IsType<PkcsRequestFailed>(Assert.Single(last));
            Assert.False(failed.Reason.Retryable);
            Assert.Contains("Gave up after 3 attempts", failed.Reason.Message);
            Assert.Equal(PkcsStatus.Failed, state.Status);
            var upload = Assert.IsType<PkcsNextStep.Upload>(state.NextStep());
            Assert.False(upload.Outcome.Succeeded);
            Assert.Equal("CaUnavailable", upload.Outcome.ErrorCode);
        }
    }

    [Fact]
    public void A_final_error_fails_at_once_and_uploads_the_failure()
    {
        var state = Downloaded();
        var events = state.DecideFailure(PkcsStage.Issue, Denied, Policy, T0, 0.5);
        var failed = Assert.IsType<PkcsRequestFailed>(Assert.Single(events));
        Assert.Equal(Denied, failed.Reason);
        state = events.Aggregate(state, (s, e) => s.Apply(e));
        var upload = Assert.IsType<PkcsNextStep.Upload>(state.NextStep());
        Assert.Equal(("CaDenied", "policy"), (upload.Outcome.ErrorCode, upload.Outcome.ErrorMessage));
        state = state.DecideUploaded(T0).Aggregate(state, (s, e) => s.Apply(e));
        Assert.True(state.IsTerminal);
        Assert.Equal(PkcsStatus.Failed, state.Status);
        Assert.IsType<PkcsNextStep.Nothing>(state.NextStep());
    }

    [Fact]
    public void Issued_then_uploaded_is_terminal_and_the_result_carries_the_certificate()
    {
        var state = Downloaded();
        state = state.DecideIssued(Issued()).Aggregate(state, (s, e) => s.Apply(e));
        Assert.Equal(PkcsStatus.Issued, state.Status);
        var upload = Assert.IsType<PkcsNextStep.Upload>(state.NextStep());
        Assert.True(upload.Outcome.Succeeded);
        Assert.Equal(("0A", "TH"), (upload.Outcome.SerialNumber, upload.Outcome.CertificateThumbprint));
        Assert.Empty(state.DecideIssued(Issued())); // issuing twice is refused
        state = state.DecideUploaded(T0).Aggregate(state, (s, e) => s.Apply(e));
        Assert.Equal(PkcsStatus.Uploaded, state.Status);
        Assert.True(state.IsTerminal);
        Assert.Empty(state.DecideUploaded(T0));
        Assert.Equal(["Downloaded", "Issued", "Uploaded"], state.History.Select(h => h.Event));
    }

    [Fact]
    public void Upload_failures_never_give_up_and_keep_the_issued_result()
    {
        var state = Downloaded();
        state = state.DecideIssued(Issued()).Aggregate(state, (s, e) => s.Apply(e));
        for (var i = 1; i <= 10; i++)
        {
            var events = state.DecideFailure(PkcsStage.Upload, Busy, Policy, T0, 0.5);
            Assert.Equal(i, Assert.IsType<PkcsAttemptFailed>(Assert.Single(events)).Attempt);
            state = events.Aggregate(state, (s, e) => s.Apply(e));
        }
        var upload = Assert.IsType<PkcsNextStep.Upload>(state.StepAfterWait());
        Assert.True(upload.Outcome.Succeeded);
    }

    [Fact]
    public void Attempts_restart_when_the_stage_changes()
    {
        var state = Downloaded();
        state = state.DecideFailure(PkcsStage.Issue, Busy, Policy, T0, 0.5).Aggregate(state, (s, e) => s.Apply(e));
        state = state.DecideIssued(Issued()).Aggregate(state, (s, e) => s.Apply(e));
        var events = state.DecideFailure(PkcsStage.Upload, Busy, Policy, T0, 0.5);
        Assert.Equal(1, Assert.IsType<PkcsAttemptFailed>(Assert.Single(events)).Attempt);
    }

    [Theory]
    [InlineData(1, 0.0, 5)]
    [InlineData(1, 1.0, 10)]
    [InlineData(3, 0.0, 20)]
    [InlineData(3, 1.0, 40)]
    [InlineData(20, 0.0, 150)] // capped at MaxDelay = 300 s, half fixed
    [InlineData(20, 1.0, 300)]
    public void Backoff_doubles_with_bounded_jitter(int attempt, double random, int expectedSeconds) =>
        Assert.Equal(TimeSpan.FromSeconds(expectedSeconds), Policy.DelayFor(attempt, random));

    [Fact]
    public void Replaying_the_events_gives_the_same_state()
    {
        var live = Downloaded();
        var events = new List<IConnectorEvent>(PkcsRequestState.Empty("req-1").DecideStart(Samples.Request(), T0));
        foreach (var step in new Func<PkcsRequestState, IReadOnlyList<IConnectorEvent>>[]
                 {
                     s => s.DecideFailure(PkcsStage.Issue, Busy, Policy, T0, 0.3),
                     s => s.DecideIssued(Issued()),
                     s => s.DecideUploaded(T0),
                 })
        {
            var produced = step(live);
            events.AddRange(produced);
            live = produced.Aggregate(live, (s, e) => s.Apply(e));
        }
        var replayed = events.Aggregate(PkcsRequestState.Empty("req-1"), (s, e) => s.Apply(e));
        Assert.Equal(live.ToRequestView() with { History = [] }, replayed.ToRequestView() with { History = [] });
        Assert.Equal(live.History, replayed.History);
    }

    [Fact]
    public void An_outcome_after_a_retry_wait_is_accepted()
    {
        var state = Downloaded();
        state = state.DecideFailure(PkcsStage.Issue, Busy, Policy, T0, 0.5).Aggregate(state, (s, e) => s.Apply(e));
        Assert.Single(state.DecideIssued(Issued()));
        state = state.DecideIssued(Issued()).Aggregate(state, (s, e) => s.Apply(e));
        state = state.DecideFailure(PkcsStage.Upload, Busy, Policy, T0, 0.5).Aggregate(state, (s, e) => s.Apply(e));
        Assert.True(Assert.IsType<PkcsResultUploaded>(Assert.Single(state.DecideUploaded(T0))).Succeeded);
    }
}
