using System.Security.Cryptography;
using System.Security.Cryptography.X509Certificates;
using CertConnector.Adapters.Ca.BuiltIn;
using CertConnector.Adapters.Tests.Crypto;

namespace CertConnector.Adapters.Tests.Ca;

/// <summary>The single node's remoting certificate: its own, self-signed, kept encrypted, and the only one it accepts.</summary>
[System.Runtime.Versioning.UnsupportedOSPlatform("windows")]
public sealed class EmbeddedRemotingCertificateTests
{
    [Fact]
    public void The_node_keeps_one_certificate_encrypted_at_rest_and_accepts_that_one_only()
    {
        using var dir = new TempDirectory();
        var time = new ManualTime(DateTimeOffset.UtcNow);
        var ca = BuiltInCa.OpenOrCreate(CaTestSupport.Options(dir.Path), time);
        var own = ca.OpenOrCreateEmbeddedRemotingCredentials();
        var again = BuiltInCa.OpenOrCreate(CaTestSupport.Options(dir.Path), time).OpenOrCreateEmbeddedRemotingCredentials();

        Assert.Equal(own.Certificate.Thumbprint, again.Certificate.Thumbprint); // kept across restarts
        Assert.True(again.Certificate.HasPrivateKey);
        var keyFile = Path.Combine(dir.Path, "remoting.key.p8");
        Assert.Equal(UnixFileMode.UserRead | UnixFileMode.UserWrite, File.GetUnixFileMode(keyFile));
        Assert.StartsWith("-----BEGIN ENCRYPTED PRIVATE KEY-----", File.ReadAllText(keyFile));

        Assert.Null(RemotingPeerCheck.Refusal(again.Certificate, own, time.GetUtcNow()));
        // Same subject, same validity, another key: still not this node.
        using var key = ECDsa.Create(ECCurve.NamedCurves.nistP256);
        var lookalike = new CertificateRequest(own.Certificate.SubjectName, key, HashAlgorithmName.SHA256)
            .CreateSelfSigned(own.Certificate.NotBefore, own.Certificate.NotAfter);
        Assert.Contains("not this node's own remoting certificate", RemotingPeerCheck.Refusal(lookalike, own, time.GetUtcNow()));
        // A certificate of the node's own CA is not its remoting certificate either.
        Assert.NotNull(RemotingPeerCheck.Refusal(X509CertificateLoader.LoadCertificate(ca.CaCertificate.GetEncoded()), own, time.GetUtcNow()));

        // Close to its end, the next start makes a new one.
        time.Now = new DateTimeOffset(own.Certificate.NotAfter.ToUniversalTime()).AddDays(-10);
        var renewed = BuiltInCa.OpenOrCreate(CaTestSupport.Options(dir.Path), time).OpenOrCreateEmbeddedRemotingCredentials();
        Assert.NotEqual(own.Certificate.Thumbprint, renewed.Certificate.Thumbprint);
    }
}
