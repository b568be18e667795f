using CertConnector.Adapters.Scep.Client;
using CertConnector.Adapters.Scep;

namespace CertConnector.Adapters.Tests.Scep;

/// <summary>Mutated pkiMessages must only ever decode or throw one of the two documented exception types.</summary>
public class PkiMessageDecoderFuzzTests
{
    private static readonly ScepTestPki Pki = ScepTestPki.Instance;

    [Theory]
    [InlineData(false, 20_240_917)]
    [InlineData(true, 8_894)]
    public void Mutations_only_yield_documented_outcomes(bool ber, int seed)
    {
        var self = ScepTestPki.SelfSigned(Pki.ClientKey, "CN=fuzz");
        var valid = new ScepClient(Pki.RaCert).PkcsReq(ScepClient.CreateCsr(Pki.ClientKey, "CN=fuzz", "pw"), self,
            Pki.ClientKey.Private, new PkiMessageOptions { Ber = ber }).Bytes;
        var decoder = new PkiMessageDecoder(Pki.RaCert, Pki.RaKey.Private);
        var random = new Random(seed);
        int decoded = 0, refused = 0, notScep = 0;

        for (int i = 0; i < 1500; i++)
        {
            var mutant = Mutate(valid, random);
            try
            {
                decoder.Decode(mutant);
                decoded++;
            }
            catch (ScepDecodeException) { refused++; }
            catch (NotScepException) { notScep++; }
            catch (Exception e)
            {
                Assert.Fail($"mutation {i} (seed {seed}) escaped as {e.GetType().Name}: {e.Message}\n{Convert.ToHexString(mutant)}");
            }
        }

        // Each outcome class must actually occur, or the mutations are not exercising the decoder.
        Assert.True(refused > 100, $"refused {refused}");
        Assert.True(notScep > 100, $"notScep {notScep}");
        Assert.Equal(1500, decoded + refused + notScep);
    }

    private static byte[] Mutate(byte[] original, Random random)
    {
        var bytes = new List<byte>(original);
        int rounds = 1 + random.Next(3);
        for (int r = 0; r < rounds && bytes.Count > 1; r++)
        {
            int at = random.Next(bytes.Count);
            switch (random.Next(6))
            {
                case 0: // bit flips
                    for (int k = 0, n = 1 + random.Next(4); k < n; k++)
                        bytes[random.Next(bytes.Count)] ^= (byte)(1 << random.Next(8));
                    break;
                case 1: // truncation
                    bytes.RemoveRange(at, bytes.Count - at);
                    break;
                case 2: // insertion of random bytes
                    var insert = new byte[1 + random.Next(16)];
                    random.NextBytes(insert);
                    bytes.InsertRange(at, insert);
                    break;
                case 3: // deletion
                    bytes.RemoveRange(at, Math.Min(bytes.Count - at, 1 + random.Next(16)));
                    break;
                case 4: // length-ish bytes set to the values that hurt parsers most
                    bytes[at] = new byte[] { 0x00, 0x80, 0x81, 0x84, 0xFF, 0x7F }[random.Next(6)];
                    break;
                default: // random byte
                    bytes[at] = (byte)random.Next(256);
                    break;
            }
        }
        return [.. bytes];
    }
}
