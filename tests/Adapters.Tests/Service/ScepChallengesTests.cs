using System.Text;
using CertConnector.Actors.Common;
using CertConnector.Actors.Ports;
using CertConnector.Adapters.Crypto;
using CertConnector.Adapters.Service.Standalone;
using CertConnector.Adapters.Tests.Ca;
using Org.BouncyCastle.Asn1;
using Org.BouncyCastle.Asn1.Pkcs;
using Org.BouncyCastle.Asn1.X509;
using Org.BouncyCastle.Crypto.Operators;
using Org.BouncyCastle.Pkcs;

namespace CertConnector.Adapters.Tests.Service;

public sealed class ScepChallengesTests : ScepStoreFixture
{
    private const string Subject = "CN=device-1, O=Contoso, C=US";
    private static readonly TimeSpan Ttl = TimeSpan.FromHours(1);
    private static readonly SubjectAltName[] BoundSans =
        [new("dns", "device-1.contoso.com"), new("dns", "device-1.corp.contoso.com"), new("ip", "2001:db8::1")];

    private StandaloneScepChallenges Open(string? path = null) => new(OpenDatabase(path), Clock);

    private static byte[] Csr(string subject = Subject, params SubjectAltName[] sans) => CaTestSupport.Csr(subject: subject, sans: sans).Csr;

    private static ScepValidationRequest Request(string? challenge, string transactionId = "tx-1", byte[]? csr = null) =>
        new(transactionId, csr ?? Csr(Subject, BoundSans[0]), challenge, "192.0.2.10");

    private static void AssertDenied(ChallengeVerdict verdict, string code, string? challenge)
    {
        Assert.False(verdict.Valid);
        Assert.Equal(code, verdict.Code);
        Assert.False(string.IsNullOrWhiteSpace(verdict.Description));
        Assert.EndsWith(".", verdict.Description.TrimEnd());
        if (!string.IsNullOrEmpty(challenge)) Assert.DoesNotContain(challenge, verdict.Description);
    }

    [Fact]
    public async Task Minted_challenge_validates_once_and_is_marked_used_by_that_transaction()
    {
        var challenges = Open();
        var minted = await challenges.MintAsync(Subject, BoundSans, Ttl);
        Assert.Equal(24, minted.Challenge.Length);
        Assert.All(minted.Challenge, c => Assert.True(char.IsAsciiLetterOrDigit(c)));
        Assert.Equal(Clock.GetUtcNow() + Ttl, minted.ExpiresAt);

        var listed = Assert.Single(await challenges.ListChallengesAsync(10));
        Assert.Null(listed.UsedByTransactionId);

        Clock.Advance(TimeSpan.FromMinutes(5));
        Assert.Equal(ChallengeVerdict.Success, await challenges.ValidateAsync(Request(minted.Challenge, "tx-1"), default));

        listed = Assert.Single(await challenges.ListChallengesAsync(10));
        Assert.Equal("tx-1", listed.UsedByTransactionId);
        Assert.Equal(Clock.GetUtcNow(), listed.UsedAt);
        Assert.Equal(Subject, listed.SubjectName);
        Assert.Equal(BoundSans, listed.SubjectAlternativeNames);
        Assert.Equal(minted.ExpiresAt, listed.ExpiresAt);
        Assert.Equal(12, listed.HashPrefix.Length);
        Assert.DoesNotContain(minted.Challenge, listed.HashPrefix);
    }

    [Fact]
    public async Task Reuse_by_another_transaction_is_denied_but_the_same_transaction_and_key_may_retransmit()
    {
        var challenges = Open();
        var minted = await challenges.MintAsync(Subject, BoundSans, Ttl);
        var csr = Csr(Subject, BoundSans[0]);
        Assert.True((await challenges.ValidateAsync(Request(minted.Challenge, "tx-1", csr), default)).Valid);

        AssertDenied(await challenges.ValidateAsync(Request(minted.Challenge, "tx-2", csr), default), "ChallengeAlreadyUsed", minted.Challenge);
        Assert.True((await challenges.ValidateAsync(Request(minted.Challenge, "tx-1", csr), default)).Valid);
        var listed = Assert.Single(await challenges.ListChallengesAsync(10));
        Assert.Equal("tx-1", listed.UsedByTransactionId);
        Assert.Equal(PublicKeySha256(csr), listed.UsedByPublicKeySha256);
    }

    [Fact]
    public async Task A_used_challenge_with_the_same_transaction_but_a_new_key_is_denied()
    {
        var challenges = Open();
        var minted = await challenges.MintAsync(Subject, BoundSans, Ttl);
        var first = Csr(Subject, BoundSans[0]);
        Assert.True((await challenges.ValidateAsync(Request(minted.Challenge, "tx-1", first), default)).Valid);

        // Same transaction ID, same subject, a new key: a second certificate, so not a retransmission.
        var denied = await challenges.ValidateAsync(Request(minted.Challenge, "tx-1", Csr(Subject, BoundSans[0])), default);
        AssertDenied(denied, "ChallengeAlreadyUsed", minted.Challenge);
        Assert.Contains("another public key", denied.Description);
        // The binding is unchanged: the first key still retransmits.
        Assert.Equal(PublicKeySha256(first), Assert.Single(await challenges.ListChallengesAsync(10)).UsedByPublicKeySha256);
        Assert.True((await challenges.ValidateAsync(Request(minted.Challenge, "tx-1", first), default)).Valid);
    }

    [Fact]
    public async Task Expired_challenge_is_denied_from_its_expiry_instant_on()
    {
        var challenges = Open();
        var early = await challenges.MintAsync(Subject, BoundSans, Ttl);
        var onTime = await challenges.MintAsync(Subject, BoundSans, Ttl);

        Clock.Advance(Ttl - TimeSpan.FromTicks(1));
        Assert.True((await challenges.ValidateAsync(Request(onTime.Challenge, "tx-on-time"), default)).Valid);
        Clock.Advance(TimeSpan.FromTicks(1));
        AssertDenied(await challenges.ValidateAsync(Request(early.Challenge, "tx-late"), default), "ChallengeExpired", early.Challenge);
    }

    [Fact]
    public async Task Retransmission_after_expiry_by_the_transaction_and_key_that_used_it_is_allowed_nothing_else()
    {
        var challenges = Open();
        var minted = await challenges.MintAsync(Subject, BoundSans, Ttl);
        var csr = Csr(Subject, BoundSans[0]);
        Assert.True((await challenges.ValidateAsync(Request(minted.Challenge, "tx-1", csr), default)).Valid);
        Clock.Advance(Ttl + TimeSpan.FromMinutes(1));

        Assert.True((await challenges.ValidateAsync(Request(minted.Challenge, "tx-1", csr), default)).Valid);
        AssertDenied(await challenges.ValidateAsync(Request(minted.Challenge, "tx-1", Csr(Subject, BoundSans[0])), default), "ChallengeAlreadyUsed", minted.Challenge);
        AssertDenied(await challenges.ValidateAsync(Request(minted.Challenge, "tx-2", csr), default), "ChallengeAlreadyUsed", minted.Challenge);
    }

    [Fact]
    public async Task A_database_from_before_key_binding_gains_the_column_and_its_used_challenges_pass_no_retransmission()
    {
        // The scep_challenges table as the previous version created it, with one used and one unused challenge.
        var used = new string('u', 24);
        var unused = new string('n', 24);
        await using (var old = new Microsoft.Data.Sqlite.SqliteConnection($"Data Source={DbPath}"))
        {
            Directory.CreateDirectory(Dir);
            await old.OpenAsync();
            await using var create = old.CreateCommand();
            create.CommandText = $"""
                CREATE TABLE scep_challenges (challenge_hash TEXT PRIMARY KEY NOT NULL, subject_name TEXT NOT NULL,
                    subject_alt_names TEXT NOT NULL, created_at TEXT NOT NULL, expires_at TEXT NOT NULL, used_by_transaction TEXT, used_at TEXT);
                INSERT INTO scep_challenges VALUES ('{Sha256Hex(used)}', '{Subject}', '[]', '{Time(0)}', '{Time(1)}', 'tx-old', '{Time(0)}');
                INSERT INTO scep_challenges VALUES ('{Sha256Hex(unused)}', '{Subject}', '[]', '{Time(0)}', '{Time(1)}', NULL, NULL);
                """;
            await create.ExecuteNonQueryAsync();
        }
        Microsoft.Data.Sqlite.SqliteConnection.ClearAllPools();

        var challenges = Open();
        AssertDenied(await challenges.ValidateAsync(Request(used, "tx-old", Csr(Subject)), default), "ChallengeAlreadyUsed", used);
        var csr = Csr(Subject);
        Assert.True((await challenges.ValidateAsync(Request(unused, "tx-new", csr), default)).Valid);
        Assert.Equal(PublicKeySha256(csr), (await challenges.ListChallengesAsync(10)).Single(c => c.UsedByTransactionId == "tx-new").UsedByPublicKeySha256);

        string Time(int hours) => StandaloneDatabase.FormatTime(Clock.GetUtcNow() + TimeSpan.FromHours(hours));
    }

    private static string Sha256Hex(string text) => Convert.ToHexStringLower(System.Security.Cryptography.SHA256.HashData(Encoding.UTF8.GetBytes(text)));

    private static string PublicKeySha256(byte[] csr) => Convert.ToHexStringLower(System.Security.Cryptography.SHA256.HashData(
        new Pkcs10CertificationRequest(csr).GetCertificationRequestInfo().SubjectPublicKeyInfo.GetDerEncoded()));

    [Fact]
    public async Task Unknown_and_missing_challenges_are_denied()
    {
        var challenges = Open();
        var minted = await challenges.MintAsync(Subject, BoundSans, Ttl);

        AssertDenied(await challenges.ValidateAsync(Request("not-a-challenge-we-issued"), default), "ChallengeUnknown", "not-a-challenge-we-issued");
        // A near miss is a different challenge.
        AssertDenied(await challenges.ValidateAsync(Request(minted.Challenge[..^1]), default), "ChallengeUnknown", minted.Challenge);
        AssertDenied(await challenges.ValidateAsync(Request(null), default), "ChallengeMissing", null);
        AssertDenied(await challenges.ValidateAsync(Request(""), default), "ChallengeMissing", null);
        Assert.Null(Assert.Single(await challenges.ListChallengesAsync(10)).UsedByTransactionId);
    }

    [Fact]
    public async Task Subject_must_match_the_bound_subject_as_an_X500_name()
    {
        var challenges = Open();
        var minted = await challenges.MintAsync(Subject, BoundSans, Ttl);

        var other = await challenges.ValidateAsync(Request(minted.Challenge, csr: Csr("CN=device-2, O=Contoso, C=US")), default);
        AssertDenied(other, "SubjectMismatch", minted.Challenge);
        Assert.Contains("CN=device-2", other.Description);
        AssertDenied(await challenges.ValidateAsync(Request(minted.Challenge, csr: Csr("CN=device-1, O=Contoso")), default),
            "SubjectMismatch", minted.Challenge);
        AssertDenied(await challenges.ValidateAsync(Request(minted.Challenge, csr: Csr("O=Contoso, CN=device-1, C=US")), default),
            "SubjectMismatch", minted.Challenge);

        // A denial does not spend the challenge; the same name in other case and spacing matches.
        Assert.True((await challenges.ValidateAsync(Request(minted.Challenge, csr: Csr("cn=Device-1,o=contoso,c=US")), default)).Valid);
    }

    [Fact]
    public async Task Every_requested_SAN_must_be_bound_but_a_subset_is_enough()
    {
        var challenges = Open();
        var subset = await challenges.MintAsync(Subject, BoundSans, Ttl);
        var none = await challenges.MintAsync(Subject, BoundSans, Ttl);
        var extra = await challenges.MintAsync(Subject, BoundSans, Ttl);
        var unbound = await challenges.MintAsync(Subject, [], Ttl);

        // Host names ignore case; the IPv6 address matches in another spelling.
        var subsetCsr = Csr(Subject, new SubjectAltName("dns", "DEVICE-1.contoso.com"), new SubjectAltName("ip", "2001:DB8:0:0::1"));
        Assert.True((await challenges.ValidateAsync(Request(subset.Challenge, "tx-subset", subsetCsr), default)).Valid);
        Assert.True((await challenges.ValidateAsync(Request(none.Challenge, "tx-none", Csr(Subject)), default)).Valid);

        var extraCsr = Csr(Subject, BoundSans[0], new SubjectAltName("dns", "evil.example.com"));
        var denied = await challenges.ValidateAsync(Request(extra.Challenge, "tx-extra", extraCsr), default);
        AssertDenied(denied, "SanMismatch", extra.Challenge);
        Assert.Contains("evil.example.com", denied.Description);
        // Same value, other type: a UPN is not the DNS name it spells.
        // Built directly: our own CSR builder refuses a UPN without '@', a device's CSR need not.
        var upnCsr = RawCsr(new GeneralName(GeneralName.OtherName, new OtherName(SubjectAltNames.UpnOid, new DerUtf8String("device-1.contoso.com"))));
        AssertDenied(await challenges.ValidateAsync(Request(extra.Challenge, "tx-extra", upnCsr), default),
            "SanMismatch", extra.Challenge);
        AssertDenied(await challenges.ValidateAsync(Request(unbound.Challenge, "tx-unbound", Csr(Subject, BoundSans[0])), default),
            "SanMismatch", unbound.Challenge);
    }

    [Fact]
    public async Task A_SAN_of_a_kind_that_cannot_be_checked_is_denied()
    {
        var challenges = Open();
        var minted = await challenges.MintAsync(Subject, BoundSans, Ttl);
        var key = KeyGeneration.Generate(KeySpec.Parse("ec:p256"));
        var extensions = new X509ExtensionsGenerator();
        extensions.AddExtension(X509Extensions.SubjectAlternativeName, false, new GeneralNames(
            [new GeneralName(GeneralName.DnsName, "device-1.contoso.com"), new GeneralName(new X509Name("CN=someone else"))]));
        var attributes = new DerSet(new AttributePkcs(PkcsObjectIdentifiers.Pkcs9AtExtensionRequest, new DerSet(extensions.Generate())));
        var csr = new Pkcs10CertificationRequest(new Asn1SignatureFactory("SHA256WITHECDSA", key.Private),
            DistinguishedName.Parse(Subject), key.Public, attributes).GetDerEncoded();

        AssertDenied(await challenges.ValidateAsync(Request(minted.Challenge, csr: csr), default), "SanMismatch", minted.Challenge);
    }

    [Fact]
    public async Task An_unreadable_or_forged_CSR_is_denied_without_spending_the_challenge()
    {
        var challenges = Open();
        var minted = await challenges.MintAsync(Subject, BoundSans, Ttl);
        var forged = Csr(Subject, BoundSans[0]);
        forged[^3] ^= 0x01; // inside the signature

        AssertDenied(await challenges.ValidateAsync(Request(minted.Challenge, csr: [0x30, 0x03, 0x02, 0x01, 0x00]), default), "BadCsr", minted.Challenge);
        AssertDenied(await challenges.ValidateAsync(Request(minted.Challenge, csr: []), default), "BadCsr", minted.Challenge);
        AssertDenied(await challenges.ValidateAsync(Request(minted.Challenge, csr: forged), default), "BadCsr", minted.Challenge);
        Assert.Null(Assert.Single(await challenges.ListChallengesAsync(10)).UsedByTransactionId);
    }

    [Fact]
    public async Task Concurrent_validations_of_one_challenge_from_two_instances_let_exactly_one_transaction_win()
    {
        var instanceA = Open();
        var instanceB = Open();
        var minted = await instanceA.MintAsync(Subject, BoundSans, Ttl);
        var csr = Csr(Subject, BoundSans[0]);

        var verdicts = await Task.WhenAll(Enumerable.Range(0, 16).Select(i => Task.Run(() =>
            (i % 2 == 0 ? instanceA : instanceB).ValidateAsync(Request(minted.Challenge, $"tx-{i}", csr), default))));

        Assert.Single(verdicts, v => v.Valid);
        Assert.All(verdicts.Where(v => !v.Valid), v => Assert.Equal("ChallengeAlreadyUsed", v.Code));
        var winner = Assert.Single(await instanceB.ListChallengesAsync(10)).UsedByTransactionId;
        Assert.Matches("^tx-[0-9]+$", winner!);
    }

    [Fact]
    public async Task The_database_files_never_contain_the_challenge_in_plaintext()
    {
        var challenges = Open();
        var minted = new List<string>();
        for (var i = 0; i < 5; i++) minted.Add((await challenges.MintAsync(Subject, BoundSans, Ttl)).Challenge);
        Assert.True((await challenges.ValidateAsync(Request(minted[0], "tx-1"), default)).Valid);

        AssertNotInFiles(minted); // while the WAL still holds the writes
        CloseAll();
        AssertNotInFiles(minted); // after the checkpoint into the main file
        Assert.Contains("scep_challenges", Encoding.UTF8.GetString(File.ReadAllBytes(DbPath))); // the search does read the table

        void AssertNotInFiles(List<string> secrets)
        {
            foreach (var file in Directory.GetFiles(Dir))
            {
                byte[] bytes;
                using (var stream = new FileStream(file, FileMode.Open, FileAccess.Read, FileShare.ReadWrite | FileShare.Delete))
                using (var copy = new MemoryStream()) { stream.CopyTo(copy); bytes = copy.ToArray(); }
                foreach (var secret in secrets)
                {
                    Assert.Equal(-1, bytes.AsSpan().IndexOf(Encoding.UTF8.GetBytes(secret)));
                    Assert.Equal(-1, bytes.AsSpan().IndexOf(Encoding.Unicode.GetBytes(secret)));
                }
            }
        }
    }

    [Fact]
    public async Task Challenges_and_their_use_survive_a_reopen()
    {
        var first = Open();
        var used = await first.MintAsync(Subject, BoundSans, Ttl);
        var unused = await first.MintAsync(Subject, BoundSans, Ttl);
        Assert.True((await first.ValidateAsync(Request(used.Challenge, "tx-1"), default)).Valid);
        CloseAll();

        var reopened = Open();
        AssertDenied(await reopened.ValidateAsync(Request(used.Challenge, "tx-2"), default), "ChallengeAlreadyUsed", used.Challenge);
        Assert.True((await reopened.ValidateAsync(Request(unused.Challenge, "tx-3"), default)).Valid);
        Assert.Equal(2, (await reopened.ListChallengesAsync(10)).Count);
    }

    [Fact]
    public async Task List_is_newest_first_and_limited()
    {
        var challenges = Open();
        await challenges.MintAsync("CN=first", [], Ttl);
        Clock.Advance(TimeSpan.FromSeconds(1));
        await challenges.MintAsync("CN=second", [], Ttl);
        Clock.Advance(TimeSpan.FromSeconds(1));
        await challenges.MintAsync("CN=third", [], Ttl);

        Assert.Equal(["CN=third", "CN=second"], (await challenges.ListChallengesAsync(2)).Select(c => c.SubjectName));
        Assert.Empty(await challenges.ListChallengesAsync(0));
    }

    [Fact]
    public async Task Mint_rejects_a_malformed_subject_SAN_or_lifetime_with_a_clear_message()
    {
        var challenges = Open();
        var subject = await Assert.ThrowsAsync<ArgumentException>(() => challenges.MintAsync("not a DN", [], Ttl));
        Assert.Contains("not a DN", subject.Message);
        var san = await Assert.ThrowsAsync<ArgumentException>(() => challenges.MintAsync(Subject, [new SubjectAltName("ip", "300.1.1.1")], Ttl));
        Assert.Contains("300.1.1.1", san.Message);
        await Assert.ThrowsAsync<ArgumentOutOfRangeException>(() => challenges.MintAsync(Subject, [], TimeSpan.Zero));
        Assert.Empty(await challenges.ListChallengesAsync(10));
    }

    [Fact]
    public async Task An_unusable_database_is_a_transient_store_failure()
    {
        Directory.CreateDirectory(Path.Combine(Dir, "is-a-directory"));
        var challenges = Open(Path.Combine(Dir, "is-a-directory"));

        var failure = await Assert.ThrowsAsync<ConnectorFailureException>(() => challenges.ValidateAsync(Request("whatever"), default));
        Assert.Equal(StandaloneDatabase.FailureCode, failure.Code);
        Assert.True(failure.Retryable);
        await Assert.ThrowsAsync<ConnectorFailureException>(() => challenges.MintAsync(Subject, [], Ttl));
    }

    private static byte[] RawCsr(params GeneralName[] names)
    {
        var key = KeyGeneration.Generate(KeySpec.Parse("ec:p256"));
        var extensions = new X509ExtensionsGenerator();
        extensions.AddExtension(X509Extensions.SubjectAlternativeName, false, new GeneralNames(names));
        var attributes = new DerSet(new AttributePkcs(PkcsObjectIdentifiers.Pkcs9AtExtensionRequest, new DerSet(extensions.Generate())));
        return new Pkcs10CertificationRequest(new Asn1SignatureFactory("SHA256WITHECDSA", key.Private),
            DistinguishedName.Parse(Subject), key.Public, attributes).GetDerEncoded();
    }
}
