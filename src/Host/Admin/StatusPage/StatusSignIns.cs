using System.Security.Cryptography;
using System.Text;

namespace CertConnector.Host.Admin.StatusPage;

/// <summary>What became of a one-time sign-in code.</summary>
public enum CodeRedemption { SignedIn, Unknown, Expired }

/// <summary>A freshly minted one-time code (shown once, to the caller holding the admin token).</summary>
public sealed record SignInCode(string Code, DateTimeOffset ExpiresAt);

/// <summary>
/// The status page's one-time sign-in codes and browser sessions, in memory (a restart signs everyone out; in a cluster each
/// instance has its own). Codes and session IDs are 256-bit random values kept only as SHA-256 hashes, so a lookup compares hashes
/// (no timing on the secret) and a memory dump holds nothing replayable. Both are bounded in number and lifetime: a caller with
/// the token cannot fill memory, and a stolen cookie dies on its own.
/// </summary>
public sealed class StatusSignIns(TimeProvider time)
{
    /// <summary>A printed link is for the operator to open now.</summary>
    public static readonly TimeSpan CodeLifetime = TimeSpan.FromSeconds(60);

    /// <summary>A working day; then sign in again.</summary>
    public static readonly TimeSpan SessionLifetime = TimeSpan.FromHours(8);

    public const int MaxCodes = 20;
    public const int MaxSessions = 50;

    private readonly object _lock = new();
    private readonly Dictionary<string, DateTimeOffset> _codes = new(StringComparer.Ordinal);
    private readonly Dictionary<string, DateTimeOffset> _sessions = new(StringComparer.Ordinal);

    /// <summary>A new code, or null when <see cref="MaxCodes"/> unexpired ones are outstanding.</summary>
    public SignInCode? MintCode()
    {
        var now = time.GetUtcNow();
        var code = NewSecret();
        lock (_lock)
        {
            Prune(_codes, now);
            if (_codes.Count >= MaxCodes) return null;
            _codes[Hash(code)] = now + CodeLifetime;
        }
        return new SignInCode(code, now + CodeLifetime);
    }

    /// <summary>Spends <paramref name="code"/>: a known, unexpired code gives a session (<paramref name="session"/>), once.</summary>
    public CodeRedemption Redeem(string? code, out string? session)
    {
        session = null;
        if (string.IsNullOrEmpty(code) || code.Length > 100) return CodeRedemption.Unknown;
        var now = time.GetUtcNow();
        lock (_lock)
        {
            if (!_codes.Remove(Hash(code), out var expiresAt)) return CodeRedemption.Unknown; // never issued, or used already
            if (expiresAt <= now) return CodeRedemption.Expired;
        }
        session = StartSession();
        return CodeRedemption.SignedIn;
    }

    /// <summary>A new session; at <see cref="MaxSessions"/> the one closest to its end makes room.</summary>
    public string StartSession()
    {
        var now = time.GetUtcNow();
        var session = NewSecret();
        lock (_lock)
        {
            Prune(_sessions, now);
            if (_sessions.Count >= MaxSessions) _sessions.Remove(_sessions.MinBy(s => s.Value).Key);
            _sessions[Hash(session)] = now + SessionLifetime;
        }
        return session;
    }

    public bool IsSignedIn(string? session)
    {
        if (string.IsNullOrEmpty(session) || session.Length > 100) return false;
        lock (_lock) return _sessions.TryGetValue(Hash(session), out var expiresAt) && expiresAt > time.GetUtcNow();
    }

    public void SignOut(string? session)
    {
        if (string.IsNullOrEmpty(session) || session.Length > 100) return;
        lock (_lock) _sessions.Remove(Hash(session));
    }

    public int Sessions { get { lock (_lock) return _sessions.Count; } }

    /// <summary>256 random bits, URL-safe.</summary>
    public static string NewSecret() => Base64Url(RandomNumberGenerator.GetBytes(32));

    private static string Hash(string secret) => Convert.ToHexString(SHA256.HashData(Encoding.UTF8.GetBytes(secret)));

    private static string Base64Url(byte[] bytes) => Convert.ToBase64String(bytes).TrimEnd('=').Replace('+', '-').Replace('/', '_');

    private static void Prune(Dictionary<string, DateTimeOffset> entries, DateTimeOffset now)
    {
        foreach (var expired in entries.Where(e => e.Value <= now).Select(e => e.Key).ToList()) entries.Remove(expired);
    }
}
