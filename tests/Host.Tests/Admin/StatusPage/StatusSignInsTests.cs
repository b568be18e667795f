using CertConnector.Host.Admin.StatusPage;

namespace CertConnector.Host.Tests.Admin.StatusPage;

/// <summary>The one-time codes and sessions of the status page, on a clock the test moves.</summary>
public sealed class StatusSignInsTests
{
    private sealed class Clock : TimeProvider
    {
        public DateTimeOffset Now { get; set; } = new(2026, 12, 1, 12, 0, 0, TimeSpan.Zero);
        public override DateTimeOffset GetUtcNow() => Now;
    }

    private readonly Clock _clock = new();
    private StatusSignIns NewSignIns() => new(_clock);

    [Fact]
    public void A_code_signs_in_once()
    {
        var signIns = NewSignIns();
        var code = signIns.MintCode()!;

        Assert.Equal(CodeRedemption.SignedIn, signIns.Redeem(code.Code, out var session));
        Assert.True(signIns.IsSignedIn(session));
        Assert.Equal(CodeRedemption.Unknown, signIns.Redeem(code.Code, out var second));
        Assert.Null(second);
    }

    [Fact]
    public void A_code_expires_within_a_minute()
    {
        var signIns = NewSignIns();
        var code = signIns.MintCode()!;
        Assert.True(code.ExpiresAt - _clock.Now <= TimeSpan.FromMinutes(1));

        _clock.Now = code.ExpiresAt;

        Assert.Equal(CodeRedemption.Expired, signIns.Redeem(code.Code, out var session));
        Assert.Null(session);
        Assert.Equal(CodeRedemption.Unknown, signIns.Redeem(code.Code, out _)); // and it is gone
    }

    [Fact]
    public void Unknown_empty_and_oversized_codes_and_sessions_are_refused()
    {
        var signIns = NewSignIns();
        signIns.MintCode();
        Assert.Equal(CodeRedemption.Unknown, signIns.Redeem(null, out _));
        Assert.Equal(CodeRedemption.Unknown, signIns.Redeem("", out _));
        Assert.Equal(CodeRedemption.Unknown, signIns.Redeem(StatusSignIns.NewSecret(), out _));
        Assert.Equal(CodeRedemption.Unknown, signIns.Redeem(new string('a', 10_000), out _));
        Assert.False(signIns.IsSignedIn(null));
        Assert.False(signIns.IsSignedIn(StatusSignIns.NewSecret()));
    }

    [Fact]
    public void Outstanding_codes_are_capped_until_they_expire()
    {
        var signIns = NewSignIns();
        for (var i = 0; i < StatusSignIns.MaxCodes; i++) Assert.NotNull(signIns.MintCode());

        Assert.Null(signIns.MintCode());

        _clock.Now += StatusSignIns.CodeLifetime;
        Assert.NotNull(signIns.MintCode());
    }

    [Fact]
    public void Sessions_end_after_their_lifetime_on_sign_out_and_the_oldest_makes_room_at_the_cap()
    {
        var signIns = NewSignIns();
        var first = signIns.StartSession();
        _clock.Now += TimeSpan.FromSeconds(1);
        var others = Enumerable.Range(1, StatusSignIns.MaxSessions - 1).Select(_ => signIns.StartSession()).ToList();
        Assert.True(signIns.IsSignedIn(first));

        var newest = signIns.StartSession();

        Assert.False(signIns.IsSignedIn(first));
        Assert.True(signIns.IsSignedIn(newest));
        Assert.Equal(StatusSignIns.MaxSessions, signIns.Sessions);

        signIns.SignOut(others[0]);
        Assert.False(signIns.IsSignedIn(others[0]));

        _clock.Now += StatusSignIns.SessionLifetime;
        Assert.False(signIns.IsSignedIn(newest));
    }
}
