using CertConnector.Actors.Common;
using CertConnector.Actors.Ports;
using CertConnector.Actors.Revocation;

namespace CertConnector.Actors.Tests.Revocation;

/// <summary>The revocation state machine as a table: outcome in, events and next step out. No actors.</summary>
public sealed class RevocationRequestStateTests
{
    private static readonly DateTimeOffset T0 = DateTimeOffset.Parse("2026-12-01T00:00:00Z");
    private static readonly RetryPolicy Policy = new(3, TimeSpan.FromSeconds(10), TimeSpan.FromMinutes(10));
    private static readonly RevocationRequest Request = new("rv-1", "0A1B", RevocationReason.Superseded);

    private static RevocationRequestState Downloaded() => Fold(RevocationRequestState.Empty("rv-1").DecideStart(Request, T0));

    private static RevocationRequestState Fold(IEnumerable<IConnectorEvent> events, RevocationRequestState? from = null) =>
        events.Aggregate(from ?? RevocationRequestState.Empty("rv-1"), (s, e) => s.Apply(e));

    [Fact]
    public void A_downloaded_request_asks_to_revoke_and_a_second_download_changes_nothing()
    {
        var state = Downloaded();
        Assert.IsType<RevocationNextStep.Revoke>(state.NextStep());
        Assert.Empty(state.DecideStart(Request, T0.AddMinutes(1)));
    }

    [Theory]
    [InlineData(RevocationResult.Revoked, null)]
    [InlineData(RevocationResult.AlreadyRevoked, "4005")]
    public void Revoked_or_already_revoked_uploads_success(RevocationResult result, string? code)
    {
        var state = Fold(Downloaded().DecideRevoked(result, T0), Downloaded());
        var upload = Assert.IsType<RevocationNextStep.Upload>(state.NextStep());
        Assert.True(upload.Outcome.Succeeded);
        Assert.Equal(code, upload.Outcome.ErrorCode);
        Assert.Empty(state.DecideRevoked(result, T0)); // revoking is done: a late second outcome is ignored
    }

    [Fact]
    public void A_retryable_error_waits_then_gives_up_at_the_limit_with_4100()
    {
        var state = Downloaded();
        var unreachable = new FailureReason("CaUnavailable", "down", true);
        for (var attempt = 1; attempt < Policy.MaxAttempts; attempt++)
        {
            var failed = Assert.IsType<RevocationAttemptFailed>(Assert.Single(state.DecideFailure(RevocationStage.Revoke, unreachable, Policy, T0, 0.5)));
            Assert.Equal(attempt, failed.Attempt);
            state = state.Apply(failed);
            Assert.IsType<RequestStep.WaitUntil>(state.NextStep());
            Assert.IsType<RevocationNextStep.Revoke>(state.StepAfterWait());
        }
        var gaveUp = Assert.IsType<RevocationFailed>(Assert.Single(state.DecideFailure(RevocationStage.Revoke, unreachable, Policy, T0, 0.5)));
        Assert.Equal("4100", gaveUp.ErrorCode);
        Assert.StartsWith("Gave up after 3 attempts", gaveUp.Reason.Message);
    }

    [Theory]
    [InlineData(ICertificateRevoker.NotFoundCode, "4004")]
    [InlineData("RevocationUnsupported", "4000")]
    public void A_final_error_fails_at_once_with_the_service_code(string code, string serviceCode)
    {
        var failed = Assert.IsType<RevocationFailed>(Assert.Single(Downloaded().DecideFailure(RevocationStage.Revoke, new FailureReason(code, "x", false), Policy, T0, 0)));
        Assert.Equal(serviceCode, failed.ErrorCode);
        var upload = Assert.IsType<RevocationNextStep.Upload>(Downloaded().Apply(failed).NextStep());
        Assert.False(upload.Outcome.Succeeded);
        Assert.Equal(serviceCode, upload.Outcome.ErrorCode);
    }

    [Fact]
    public void Uploads_are_never_given_up_and_an_upload_ends_the_request()
    {
        var state = Fold(Downloaded().DecideRevoked(RevocationResult.Revoked, T0), Downloaded());
        var busy = new FailureReason("ServiceUnavailable", "503", true);
        for (var i = 0; i < 10; i++)
            state = state.Apply(Assert.IsType<RevocationAttemptFailed>(Assert.Single(state.DecideFailure(RevocationStage.Upload, busy, Policy, T0, 0))));
        Assert.Empty(state.DecideFailure(RevocationStage.Upload, busy with { Retryable = false }, Policy, T0, 0));
        state = Fold(state.DecideUploaded(T0), state);
        Assert.True(state.IsTerminal);
        Assert.IsType<RequestStep.Nothing>(state.NextStep());
        // Ten failed uploads are two lines: the first and the tenth (RequestHistory).
        Assert.Equal(["Downloaded", "Revoked", "FailedAttempt", "FailedAttempt", "Uploaded"], state.History.Select(h => h.Event));
        Assert.Contains("attempt=10 ", state.History[3].Detail);
        Assert.EndsWith("(attempts 2-9 not listed)", state.History[3].Detail);
    }
}
