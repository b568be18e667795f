using System.Formats.Asn1;
using System.Numerics;
using System.Security.Cryptography.Pkcs;
using CertConnector.Actors.Common;

namespace CertConnector.Adapters.Crypto;

/// <summary>What an imported PFX may cost: every password derivation in it (the MAC's, each PBE's) runs its iteration count,
/// so a count of 10^9 is hours of CPU, and a request retried after every restart would spend them again.</summary>
/// <param name="MaxIterations">the highest MAC or PBE iteration count accepted (Connector:PkcsImport:MaxPfxIterations).</param>
public sealed record PfxLimits(int MaxIterations = PfxLimits.DefaultMaxIterations)
{
    public const int DefaultMaxIterations = 600_000;
    /// <summary>One certificate chain and its key fit many times over; the admin API's body limit is 1 MiB.</summary>
    public const int MaxBytes = 64 * 1024;
    /// <summary>Bags in all, and safe contents (each encrypted one costs a derivation).</summary>
    public const int MaxBags = 16;

    public static PfxLimits Default { get; } = new();
}

/// <summary>
/// Reads a PKCS#12's ASN.1 structure (RFC 7292) without deriving any key, and refuses, as final failures, what would cost
/// unbounded CPU or is not protected: too large, too many bags or safe contents, a MAC or PBE iteration count over the
/// limit, no password MAC, an unencrypted key bag. Encrypted safe contents are checked again once decrypted
/// (<see cref="CheckDecryptedBags"/>); their derivation is bounded by the count checked here.
/// </summary>
public static class PfxStructure
{
    public const string TooLargeCode = "PfxTooLarge";
    public const string TooManyBagsCode = "PfxTooManyBags";
    public const string IterationsCode = "PfxIterationCountTooHigh";
    public const string NoMacCode = "PfxWithoutMac";
    public const string UnencryptedKeyCode = "PfxUnencryptedKey";

    private const string Data = "1.2.840.113549.1.7.1";
    private const string EncryptedData = "1.2.840.113549.1.7.6";
    private const string KeyBag = "1.2.840.113549.1.12.10.1.1";
    private const string ShroudedKeyBag = "1.2.840.113549.1.12.10.1.2";
    private const string SafeContentsBag = "1.2.840.113549.1.12.10.1.6";
    private const string Pkcs12PbePrefix = "1.2.840.113549.1.12.1.";
    private const string Pbes2 = "1.2.840.113549.1.5.13";
    private const string Pbkdf2 = "1.2.840.113549.1.5.12";
    private static readonly HashSet<string> Pbes1 = ["1.2.840.113549.1.5.1", "1.2.840.113549.1.5.3", "1.2.840.113549.1.5.4",
        "1.2.840.113549.1.5.6", "1.2.840.113549.1.5.10", "1.2.840.113549.1.5.11"];

    /// <summary>Throws a final <see cref="ConnectorFailureException"/> naming what is refused; returns when the PFX may be opened.</summary>
    public static void Check(ReadOnlySpan<byte> pfx, PfxLimits limits)
    {
        if (pfx.Length > PfxLimits.MaxBytes)
            throw ConnectorFailureException.Final(TooLargeCode, $"The PFX has {pfx.Length} bytes; at most {PfxLimits.MaxBytes} are accepted.");
        try
        {
            var bags = 0;
            var reader = new AsnReader(pfx.ToArray(), AsnEncodingRules.BER);
            var outer = reader.ReadSequence();
            reader.ThrowIfNotEmpty();
            outer.ReadInteger(); // version 3
            var authSafe = outer.ReadSequence();
            if (authSafe.ReadObjectIdentifier() != Data)
                throw Bad("its authenticated safe is not password-integrity data (public-key integrity is not supported)");
            var safes = new AsnReader(Explicit0(authSafe).ReadOctetString(), AsnEncodingRules.BER).ReadSequence();
            if (!outer.HasData) throw ConnectorFailureException.Final(NoMacCode, "The PFX has no password MAC, so its integrity cannot be checked; export it with a MAC.");
            var mac = outer.ReadSequence();
            mac.ReadSequence(); // DigestInfo
            mac.ReadOctetString(); // salt
            CheckIterations(mac.HasData ? mac.ReadInteger() : BigInteger.One, "the MAC", limits);

            var safeCount = 0;
            while (safes.HasData)
            {
                if (++safeCount > PfxLimits.MaxBags) throw TooMany($"more than {PfxLimits.MaxBags} safe contents");
                var contentInfo = safes.ReadSequence();
                var type = contentInfo.ReadObjectIdentifier();
                if (type == Data)
                    bags = CheckBags(new AsnReader(Explicit0(contentInfo).ReadOctetString(), AsnEncodingRules.BER), bags, limits, 0);
                else if (type == EncryptedData)
                {
                    var encrypted = Explicit0(contentInfo).ReadSequence();
                    encrypted.ReadInteger();
                    var info = encrypted.ReadSequence();
                    info.ReadObjectIdentifier();
                    CheckAlgorithm(info.ReadSequence(), "an encrypted safe contents", limits);
                }
                else throw Bad($"it has safe contents of type {type}, which the connector cannot open with a password");
            }
        }
        catch (AsnContentException e)
        {
            throw Bad(e.Message, e);
        }
    }

    /// <summary>The same rules for each bag once its safe contents is open (bags of encrypted safe contents are seen only
    /// then); returns <paramref name="bagsSoFar"/> plus this one.</summary>
    public static int CheckOpenedBag(Pkcs12SafeBag bag, int bagsSoFar, PfxLimits limits)
    {
        if (++bagsSoFar > PfxLimits.MaxBags) throw TooMany($"more than {PfxLimits.MaxBags} bags");
        if (bag is Pkcs12KeyBag) throw UnencryptedKey();
        if (bag is Pkcs12ShroudedKeyBag shrouded)
        {
            try
            {
                CheckAlgorithm(new AsnReader(shrouded.EncryptedPkcs8PrivateKey, AsnEncodingRules.BER).ReadSequence().ReadSequence(), "the private key", limits);
            }
            catch (AsnContentException e)
            {
                throw Bad(e.Message, e);
            }
        }
        return bagsSoFar;
    }

    private static int CheckBags(AsnReader safeContents, int bags, PfxLimits limits, int depth)
    {
        var sequence = safeContents.ReadSequence();
        while (sequence.HasData)
        {
            if (++bags > PfxLimits.MaxBags) throw TooMany($"more than {PfxLimits.MaxBags} bags");
            var bag = sequence.ReadSequence();
            var id = bag.ReadObjectIdentifier();
            if (id == KeyBag) throw UnencryptedKey();
            if (id == ShroudedKeyBag) CheckAlgorithm(Explicit0(bag).ReadSequence().ReadSequence(), "the private key", limits);
            else if (id == SafeContentsBag)
            {
                if (depth > 0) throw Bad("its safe contents are nested more than one level");
                bags = CheckBags(Explicit0(bag), bags, limits, depth + 1);
            }
        }
        return bags;
    }

    /// <summary>The iteration count of a password-based encryption AlgorithmIdentifier; any other algorithm is refused here,
    /// as .NET could not open it either.</summary>
    private static void CheckAlgorithm(AsnReader algorithm, string what, PfxLimits limits)
    {
        var oid = algorithm.ReadObjectIdentifier();
        if (oid.StartsWith(Pkcs12PbePrefix, StringComparison.Ordinal) || Pbes1.Contains(oid))
        {
            var parameters = algorithm.ReadSequence();
            parameters.ReadOctetString();
            CheckIterations(parameters.ReadInteger(), what, limits);
        }
        else if (oid == Pbes2)
        {
            var kdf = algorithm.ReadSequence().ReadSequence();
            if (kdf.ReadObjectIdentifier() != Pbkdf2) throw Bad($"{what} is encrypted with a key derivation other than PBKDF2");
            var parameters = kdf.ReadSequence();
            parameters.ReadEncodedValue(); // salt: OCTET STRING or AlgorithmIdentifier
            CheckIterations(parameters.ReadInteger(), what, limits);
        }
        else throw Bad($"{what} is encrypted with {oid}, not a password-based scheme the connector supports");
    }

    private static void CheckIterations(BigInteger count, string what, PfxLimits limits)
    {
        if (count < 1 || count > limits.MaxIterations)
            throw ConnectorFailureException.Final(IterationsCode,
                $"The PFX's iteration count for {what} is {count}; at most {limits.MaxIterations} is accepted (Connector:PkcsImport:MaxPfxIterations).");
    }

    private static AsnReader Explicit0(AsnReader reader) => reader.ReadSequence(new Asn1Tag(TagClass.ContextSpecific, 0, isConstructed: true));

    private static ConnectorFailureException TooMany(string what) =>
        ConnectorFailureException.Final(TooManyBagsCode, $"The PFX has {what}; one key and its certificate chain need far fewer.");

    private static ConnectorFailureException UnencryptedKey() =>
        ConnectorFailureException.Final(UnencryptedKeyCode, "The PFX holds its private key unencrypted (a plain key bag); export it with an encrypted (shrouded) key.");

    private static ConnectorFailureException Bad(string why, Exception? inner = null) =>
        ConnectorFailureException.Final(PfxContents.BadPfxCode, $"The PFX is not a PKCS#12 file the connector accepts ({why}).", inner);
}
