using System.Security.Cryptography;
using System.Text;
using System.Text.Json;
using CertConnector.Actors.Common;
using CertConnector.Actors.Ports;
using CertConnector.Adapters.Crypto;
using System.Data.Common;
using Org.BouncyCastle.Asn1.X509;

namespace CertConnector.Adapters.Service.Standalone;

/// <summary>A challenge as handed to the admin once; only its hash is kept.</summary>
public sealed record MintedChallenge(string Challenge, DateTimeOffset ExpiresAt);

/// <summary>A stored challenge as the admin API lists it. The challenge itself is never stored or shown.</summary>
public sealed record ScepChallengeRecord(
    string HashPrefix,
    string SubjectName,
    IReadOnlyList<SubjectAltName> SubjectAlternativeNames,
    DateTimeOffset CreatedAt,
    DateTimeOffset ExpiresAt,
    string? UsedByTransactionId,
    DateTimeOffset? UsedAt,
    string? UsedByPublicKeySha256 = null,
    string? Ca = null);

/// <summary>The standalone SCEP challenges as the admin API uses them (the SCEP edge uses <see cref="IChallengeValidator"/>).</summary>
public interface IScepChallengeIssuer
{
    /// <summary>A malformed subject or SAN is an <see cref="ArgumentException"/> whose message says what is wrong.</summary>
    /// <param name="ca">the CA the enrollment goes to; null: the default CA.</param>
    Task<MintedChallenge> MintAsync(string subjectName, IReadOnlyList<SubjectAltName> sans, TimeSpan ttl, CancellationToken cancellationToken = default,
        string? ca = null);

    Task<IReadOnlyList<ScepChallengeRecord>> ListChallengesAsync(int limit, CancellationToken cancellationToken = default);
}

/// <summary>
/// Standalone SCEP challenges: one-time, expiring, bound to the subject and SANs they were minted for
/// (docs/DESIGN.md §7). The admin API mints them; the SCEP feature validates them. Kept in standalone.db as SHA-256
/// hashes only: a challenge is 24 random characters (~143 bits), so an unsalted hash cannot be reversed.
/// A challenge yields at most one certificate: when spent it is bound to the transaction ID and the CSR's
/// public key, and only a retransmission of that (same transaction, same key) passes it again.
/// </summary>
public sealed class StandaloneScepChallenges : IChallengeValidator, IScepChallengeIssuer
{
    private const int ChallengeLength = 24;
    private const int HashPrefixLength = 12;

    // Letters and digits only: URL-safe, shell-safe, and valid in a PrintableString challengePassword ('_' is not).
    private const string Alphabet = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789";

    // Version 2: files from before one-time meant one key lack used_by_key_hash. A challenge they show as used has
    // no key to compare, so it passes no retransmission: refusing one late retransmission beats a second certificate.
    private static readonly StandaloneTable Table = new("scep_challenges", """
        CREATE TABLE IF NOT EXISTS scep_challenges (
            challenge_hash      TEXT PRIMARY KEY NOT NULL,
            subject_name        TEXT NOT NULL,
            subject_alt_names   TEXT NOT NULL,
            created_at          TEXT NOT NULL,
            expires_at          TEXT NOT NULL,
            used_by_transaction TEXT,
            used_at             TEXT,
            used_by_key_hash    TEXT,
            ca                  TEXT
        );
        CREATE INDEX IF NOT EXISTS ix_scep_challenges_created ON scep_challenges (created_at);
        """, [StandaloneTable.AddColumn("scep_challenges", "used_by_key_hash", "TEXT"),
            StandaloneTable.AddColumn("scep_challenges", "ca", "TEXT")]); // 3: the CA its enrollment goes to (NULL: the default CA)

    private static readonly JsonSerializerOptions SanJson = new(JsonSerializerDefaults.Web);

    private readonly StandaloneStore _store;
    private readonly TimeProvider _time;

    public StandaloneScepChallenges(StandaloneDatabase database, TimeProvider? timeProvider = null)
    {
        ArgumentNullException.ThrowIfNull(database);
        _store = new StandaloneStore(database, Table);
        _time = timeProvider ?? TimeProvider.System;
    }

    /// <summary>Creates the table now, so a host can fail fast at start-up; otherwise done on first use.</summary>
    public Task InitializeAsync(CancellationToken cancellationToken = default) => _store.InitializeAsync(cancellationToken);

    /// <summary>
    /// Mints a challenge for exactly this subject and these SANs (the CSR may ask for a subset of the SANs).
    /// A malformed subject or SAN is an <see cref="ArgumentException"/> whose message says what is wrong.
    /// </summary>
    public Task<MintedChallenge> MintAsync(string subjectName, IReadOnlyList<SubjectAltName> sans, TimeSpan ttl,
        CancellationToken cancellationToken = default, string? ca = null)
    {
        ArgumentNullException.ThrowIfNull(sans);
        ArgumentOutOfRangeException.ThrowIfLessThanOrEqual(ttl, TimeSpan.Zero);
        if (!DistinguishedName.TryParse(subjectName, out _, out var subjectError))
            throw new ArgumentException(subjectError, nameof(subjectName));
        var normalizedSans = NormalizeSans(sans);

        var challenge = RandomNumberGenerator.GetString(Alphabet, ChallengeLength);
        var now = _time.GetUtcNow();
        var expiresAt = now + ttl;
        return _store.RunAsync(async connection =>
        {
            await using var insert = StandaloneStore.Command(connection, null, """
                INSERT INTO scep_challenges (challenge_hash, subject_name, subject_alt_names, created_at, expires_at, ca)
                VALUES (@hash, @subject, @sans, @now, @expires, @ca)
                """,
                ("@hash", Hash(challenge)), ("@subject", subjectName.Trim()), ("@ca", ca),
                ("@sans", JsonSerializer.Serialize(normalizedSans, SanJson)),
                ("@now", StandaloneDatabase.FormatTime(now)), ("@expires", StandaloneDatabase.FormatTime(expiresAt)));
            await insert.ExecuteNonQueryAsync(cancellationToken).ConfigureAwait(false);
            return new MintedChallenge(challenge, expiresAt);
        }, cancellationToken);
    }

    /// <summary>
    /// Accepts the challenge if it is known, unexpired and unused, and the CSR's subject and SANs are what it
    /// was minted for; then marks it used by this transaction and this CSR public key. A used challenge passes
    /// again only for a retransmission: the same transaction ID and the same CSR public key (also after expiry:
    /// it was spent in time, and the CA hands back the certificate it issued rather than a new one). Anything
    /// else - a new key under the same transaction ID, another transaction - is ChallengeAlreadyUsed, whoever
    /// signs it. Check and mark happen in one write transaction holding the challenge's row (PostgreSQL: SELECT ... FOR UPDATE;
    /// SQLite: the file's write lock), so of two concurrent uses only one wins, and a retransmission racing its own first
    /// attempt waits for it and then passes.
    /// </summary>
    public async Task<ChallengeVerdict> ValidateAsync(ScepValidationRequest request, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(request);
        ArgumentException.ThrowIfNullOrEmpty(request.TransactionId, nameof(request));
        if (string.IsNullOrEmpty(request.ChallengePassword))
            return ChallengeVerdict.Denied("ChallengeMissing",
                "The request carries no challenge password; standalone enrollment needs one minted by the admin API.");
        // Parsed before the transaction starts, so a slow or bad CSR never holds up other validations.
        if (!TryReadCsr(request.CsrDer, out var requested, out var csrError))
            return ChallengeVerdict.Denied("BadCsr", csrError);

        var hash = Hash(request.ChallengePassword);
        var now = _time.GetUtcNow();
        return await _store.InWriteTransactionAsync(async (connection, transaction) =>
        {
            string boundSubject, boundSansJson, usedBy, usedByKey;
            string? boundCa;
            DateTimeOffset expiresAt;
            await using (var select = StandaloneStore.Command(connection, transaction,
                "SELECT subject_name, subject_alt_names, expires_at, used_by_transaction, used_by_key_hash, ca FROM scep_challenges WHERE challenge_hash = @hash"
                + _store.Database.ForUpdate,
                ("@hash", hash)))
            await using (var reader = await select.ExecuteReaderAsync(cancellationToken).ConfigureAwait(false))
            {
                if (!await reader.ReadAsync(cancellationToken).ConfigureAwait(false))
                    return ChallengeVerdict.Denied("ChallengeUnknown", "The challenge password is not one this connector issued.");
                boundSubject = reader.GetString(0);
                boundSansJson = reader.GetString(1);
                expiresAt = StandaloneDatabase.ParseTime(reader.GetString(2));
                usedBy = reader.IsDBNull(3) ? "" : reader.GetString(3);
                usedByKey = reader.IsDBNull(4) ? "" : reader.GetString(4);
                boundCa = StandaloneStore.NullableString(reader, 5);
            }
            var success = ChallengeVerdict.Success with { Ca = boundCa };

            var retransmission = usedBy.Length > 0 && usedBy == request.TransactionId && usedByKey == requested.KeyHash;
            if (usedBy.Length > 0 && !retransmission)
                return ChallengeVerdict.Denied("ChallengeAlreadyUsed", usedBy == request.TransactionId
                    ? $"The challenge password was already used by transaction ID '{usedBy}' for another public key; each challenge is good for one certificate."
                    : $"The challenge password was already used by the enrollment with transaction ID '{usedBy}'; each challenge is good for one certificate.");
            // A retransmission is let through even after expiry: the challenge was spent in time by this transaction.
            if (!retransmission && now >= expiresAt)
                return ChallengeVerdict.Denied("ChallengeExpired", $"The challenge password expired at {expiresAt:yyyy-MM-dd HH:mm:ss} UTC.");

            var mismatch = SubjectMismatch(requested.Subject, boundSubject)
                ?? SanMismatch(requested, JsonSerializer.Deserialize<List<SubjectAltName>>(boundSansJson, SanJson) ?? []);
            if (mismatch is not null) return mismatch;
            if (retransmission) return success;

            await using var mark = StandaloneStore.Command(connection, transaction,
                """
                UPDATE scep_challenges SET used_by_transaction = @tx, used_by_key_hash = @key, used_at = @now
                WHERE challenge_hash = @hash AND used_by_transaction IS NULL
                """,
                ("@tx", request.TransactionId), ("@key", requested.KeyHash), ("@now", StandaloneDatabase.FormatTime(now)), ("@hash", hash));
            // The row is locked (FOR UPDATE) or the file is (BEGIN IMMEDIATE); the condition only guards against a row changed behind our back.
            return await mark.ExecuteNonQueryAsync(cancellationToken).ConfigureAwait(false) == 1
                ? success
                : ChallengeVerdict.Denied("ChallengeAlreadyUsed", "The challenge password was used by another enrollment at the same moment.");
        }, cancellationToken).ConfigureAwait(false);
    }

    /// <summary>The newest <paramref name="limit"/> challenges, identified by a prefix of their hash.</summary>
    public Task<IReadOnlyList<ScepChallengeRecord>> ListChallengesAsync(int limit, CancellationToken cancellationToken = default)
    {
        if (limit <= 0) return Task.FromResult<IReadOnlyList<ScepChallengeRecord>>([]);
        return _store.RunAsync<IReadOnlyList<ScepChallengeRecord>>(async connection =>
        {
            await using var command = StandaloneStore.Command(connection, null, """
                SELECT challenge_hash, subject_name, subject_alt_names, created_at, expires_at, used_by_transaction, used_at, used_by_key_hash, ca
                FROM scep_challenges ORDER BY created_at DESC, rowid DESC LIMIT @limit
                """, ("@limit", limit));
            await using var reader = await command.ExecuteReaderAsync(cancellationToken).ConfigureAwait(false);
            var records = new List<ScepChallengeRecord>();
            while (await reader.ReadAsync(cancellationToken).ConfigureAwait(false))
                records.Add(new ScepChallengeRecord(
                    reader.GetString(0)[..HashPrefixLength],
                    reader.GetString(1),
                    JsonSerializer.Deserialize<List<SubjectAltName>>(reader.GetString(2), SanJson) ?? [],
                    StandaloneDatabase.ParseTime(reader.GetString(3)),
                    StandaloneDatabase.ParseTime(reader.GetString(4)),
                    StandaloneStore.NullableString(reader, 5),
                    StandaloneStore.NullableTime(reader, 6),
                    StandaloneStore.NullableString(reader, 7),
                    StandaloneStore.NullableString(reader, 8)));
            return records;
        }, cancellationToken);
    }

    private static string Hash(string challenge) => Convert.ToHexStringLower(SHA256.HashData(Encoding.UTF8.GetBytes(challenge)));

    // Round-trips through GeneralName so stored SANs look exactly like the ones read from a CSR (e.g. IPv6 form).
    private static IReadOnlyList<SubjectAltName> NormalizeSans(IReadOnlyList<SubjectAltName> sans)
    {
        try
        {
            return SubjectAltNames.FromGeneralNames(SubjectAltNames.ToGeneralNames(sans));
        }
        catch (ConnectorFailureException e)
        {
            throw new ArgumentException(e.Message, nameof(sans), e);
        }
    }

    /// <summary>What a CSR asks for, and the SHA-256 of its public key. <see cref="UncheckableSans"/> counts SAN kinds
    /// the connector cannot compare.</summary>
    private sealed record RequestedNames(X509Name Subject, IReadOnlyList<SubjectAltName> Sans, int UncheckableSans, string KeyHash);

    private static bool TryReadCsr(byte[]? der, out RequestedNames names, out string error)
    {
        names = null!;
        error = "";
        if (der is not { Length: > 0 }) { error = "The request carries no certificate request."; return false; }
        try
        {
            var csr = CertificationRequests.ParseAndVerify(der);
            // The reader skips SAN kinds it does not know (directoryName, registeredID, ...). Count them, so a
            // name nobody checked cannot slip through to a CA that copies every SAN.
            var sans = CertificationRequests.RequestedSubjectAltNames(csr, out var unreadable);
            names = new RequestedNames(csr.GetCertificationRequestInfo().Subject, sans, unreadable, CertificationRequests.PublicKeySha256(csr));
            return true;
        }
        catch (ConnectorFailureException e)
        {
            error = Sentence(e.Message);
            return false;
        }
        catch (Exception e) when (e is not OperationCanceledException)
        {
            // A malformed extensionRequest, or an IP SAN of the wrong length.
            error = Sentence($"The certificate request's extensions cannot be read: {e.Message}");
            return false;
        }
    }

    // Library messages may end without a full stop ("Bad sequence size: 1 (Parameter 'seq')").
    private static string Sentence(string text) => text.TrimEnd().EndsWith('.') ? text.TrimEnd() : text.TrimEnd() + ".";

    private static ChallengeVerdict? SubjectMismatch(X509Name csrSubject, string boundSubject)
    {
        // Equivalent compares attribute by attribute in order, ignoring case and extra spaces in values.
        if (csrSubject.Equivalent(DistinguishedName.Parse(boundSubject), true)) return null;
        return ChallengeVerdict.Denied("SubjectMismatch",
            $"The certificate request's subject '{DistinguishedName.ToText(csrSubject)}' is not the subject '{boundSubject}' the challenge was issued for.");
    }

    private static ChallengeVerdict? SanMismatch(RequestedNames requested, IReadOnlyList<SubjectAltName> bound)
    {
        if (requested.UncheckableSans > 0)
            return ChallengeVerdict.Denied("SanMismatch",
                $"The certificate request has {requested.UncheckableSans} subject alternative name(s) of a kind a challenge cannot " +
                $"be issued for (supported: {string.Join(", ", SubjectAltName.SupportedTypes)}).");
        return SubjectAltNames.FirstNotIn(requested.Sans, bound) is { } san
            ? ChallengeVerdict.Denied("SanMismatch", $"The certificate request asks for the subject alternative name '{san}', which the challenge was not issued for.")
            : null;
    }
}
