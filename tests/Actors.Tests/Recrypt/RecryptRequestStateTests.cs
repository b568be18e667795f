using CertConnector.Actors.Common;
using CertConnector.Actors.Ports;
using CertConnector.Actors.Recrypt;

namespace CertConnector.Actors.Tests.Recrypt;

/// <summary>The recrypt state machine as a table. No actors.</summary>
public sealed class RecryptRequestStateTests
{
    private static readonly DateTimeOffset T0 = DateTimeOffset.Parse("2026-12-01T00:00:00Z");
    private static readonly RetryPolicy Policy = new(3, TimeSpan.FromSeconds(10), TimeSpan.FromMinutes(10));
    private static readonly RecryptRequest Request = new("rc-1", [1, 2], [3]);

    private static RecryptRequestState Fold(IEnumerable<IConnectorEvent> events, RecryptRequestState? from = null) =>
        events.Aggregate(from ?? RecryptRequestState.Empty("rc-1"), (s, e) => s.Apply(e));

    private static RecryptRequestState Downloaded() => Fold(RecryptRequestState.Empty("rc-1").DecideStart(Request, T0));

    [Fact]
    public void Recrypted_persists_decrypted_and_reencrypted_together_then_uploads_the_new_envelope()
    {
        var events = Downloaded().DecideRecrypted(2, [9], T0);
        Assert.Collection(events, e => Assert.Equal(2, Assert.IsType<RecryptPayloadDecrypted>(e).ContentLength),
            e => Assert.Equal([9], Assert.IsType<RecryptPayloadReencrypted>(e).EncryptedPayload));
        var state = Fold(events, Downloaded());
        var upload = Assert.IsType<RecryptNextStep.Upload>(state.NextStep());
        Assert.Equal([9], upload.Outcome.EncryptedPayload);
        Assert.Empty(state.DecideRecrypted(2, [8], T0));
    }

    [Fact]
    public void A_state_left_at_decrypted_holds_no_plaintext_so_it_recrypts_again_without_a_second_decrypted_event()
    {
        var decrypted = Fold([new RecryptPayloadDecrypted("rc-1", 2, T0)], Downloaded());
        Assert.Equal(RecryptStatus.Decrypted, decrypted.Status);
        Assert.IsType<RecryptNextStep.Recrypt>(decrypted.NextStep());
        Assert.IsType<RecryptPayloadReencrypted>(Assert.Single(decrypted.DecideRecrypted(2, [9], T0)));
    }

    [Fact]
    public void A_final_reencrypt_error_after_decrypting_fails_in_the_reencrypt_stage()
    {
        var events = Downloaded().DecideReencryptFailed(2, new("BadDeviceCertificate", "expired", false), Policy, T0, 0.5);
        Assert.IsType<RecryptPayloadDecrypted>(events[0]);
        Assert.Equal(RecryptStage.Reencrypt, Assert.IsType<RecryptFailed>(events[1]).Stage);
        var state = Fold(events, Downloaded());
        var upload = Assert.IsType<RecryptNextStep.Upload>(state.NextStep());
        Assert.False(upload.Outcome.Succeeded);
        Assert.Equal("BadDeviceCertificate", upload.Outcome.ErrorCode);
    }

    [Fact]
    public void A_retryable_decrypt_error_waits_and_gives_up_at_the_limit()
    {
        var reason = new FailureReason(IConnectorKeyCipher.KeyUnavailableCode, "none", true);
        var state = Downloaded();
        for (var attempt = 1; attempt < Policy.MaxAttempts; attempt++)
        {
            state = Fold(state.DecideFailure(RecryptStage.Decrypt, reason, Policy, T0, 0.5), state);
            Assert.IsType<RequestStep.WaitUntil>(state.NextStep());
            Assert.IsType<RecryptNextStep.Recrypt>(state.StepAfterWait());
        }
        state = Fold(state.DecideFailure(RecryptStage.Decrypt, reason, Policy, T0, 0.5), state);
        Assert.Equal(RecryptStatus.Failed, state.Status);
        Assert.Equal(RecryptStage.Decrypt, state.Failure!.Stage);
    }
}
