using System.Diagnostics;

namespace CertConnector.Host.Tests.Scep;

/// <summary>
/// Enrollment and renewal with strongSwan's SCEP client (<c>pki --scep</c>, Debian strongswan-pki 5.9): a third client
/// nobody here wrote, beside micromdm's scepclient and certmonger. It verifies the CertRep's SignerInfo only when its
/// signature algorithm is rsaEncryption, and it mis-reads the AES capability, hence <c>--cipher des3</c>.
/// </summary>
[Trait("Category", "Interop")]
public sealed class ScepStrongSwanInteropTests(ScepConnector connector) : IClassFixture<ScepConnector>
{
    [Fact]
    public void StrongSwan_pki_gets_the_ca_certificates_and_enrolls_and_openssl_verifies_the_certificate()
    {
        var dir = Tools.TempDir("strongswan");
        var (ca, ra) = GetCaCertificates(dir);
        const string subject = "CN=strongswan-enroll";
        var key = NewKey(dir, "device.key");

        var cert = Scep(dir, "device.crt", key, subject, ca, ra, ["--password", connector.Challenge(subject)]);

        Assert.Contains(": OK", Tools.OpenSsl("verify", "-CAfile", connector.CaPem, cert));
        Assert.Equal("subject=CN=strongswan-enroll", Tools.OpenSsl("x509", "-in", cert, "-noout", "-subject", "-nameopt", "RFC2253").Trim());
        Assert.Equal(Tools.OpenSsl("pkey", "-in", key, "-pubout"), Tools.OpenSsl("x509", "-in", cert, "-pubkey", "-noout"));
    }

    [Fact]
    public void StrongSwan_pki_enrolls_with_RSASSA_PSS_signatures_and_sha512()
    {
        // pki --rsa-padding pss signs the CSR and the SignerInfo with RSASSA-PSS: checked by .NET, never by BouncyCastle.
        var dir = Tools.TempDir("strongswan-pss");
        var (ca, ra) = GetCaCertificates(dir);
        const string subject = "CN=strongswan-pss";
        var key = NewKey(dir, "device.key");

        var cert = Scep(dir, "device.crt", key, subject, ca, ra, ["--password", connector.Challenge(subject), "--rsa-padding", "pss", "--digest", "sha512"]);

        Assert.Contains(": OK", Tools.OpenSsl("verify", "-CAfile", connector.CaPem, cert));
    }

    [Fact]
    public void StrongSwan_pki_renews_its_scep_certificate_with_a_new_key_and_the_same_subject()
    {
        var dir = Tools.TempDir("strongswan-renew");
        var (ca, ra) = GetCaCertificates(dir);
        const string subject = "CN=strongswan-renew";
        var oldKey = NewKey(dir, "old.key");
        var oldCert = Scep(dir, "old.crt", oldKey, subject, ca, ra, ["--password", connector.Challenge(subject)]);

        // A RenewalReq signed with the SCEP-issued certificate and its key: no challenge.
        var newKey = NewKey(dir, "new.key");
        var newCert = Scep(dir, "new.crt", newKey, subject, ca, ra, ["--cert", oldCert, "--key", oldKey]);

        Assert.Contains(": OK", Tools.OpenSsl("verify", "-CAfile", connector.CaPem, newCert));
        Assert.NotEqual(Tools.OpenSsl("x509", "-in", oldCert, "-noout", "-serial"), Tools.OpenSsl("x509", "-in", newCert, "-noout", "-serial"));
        Assert.Equal(Tools.OpenSsl("x509", "-in", oldCert, "-noout", "-subject"), Tools.OpenSsl("x509", "-in", newCert, "-noout", "-subject"));
        Assert.Equal(Tools.OpenSsl("pkey", "-in", newKey, "-pubout"), Tools.OpenSsl("x509", "-in", newCert, "-pubkey", "-noout"));
    }

    /// <summary><c>pki --scep</c> for <paramref name="key"/>; the issued certificate's path. DES3: pki 5.9.8 mis-reads our AES capability.</summary>
    private string Scep(string dir, string certName, string key, string subject, string ca, string ra, string[] extra)
    {
        var enrolled = Pki(["--scep", "--url", connector.Process.ScepUrl, "--in", key, "--dn", subject,
            "--cacert-enc", ra, "--cacert-sig", ra, "--cacert", ca, "--cipher", "des3", "--outform", "pem", .. extra]);
        Assert.True(enrolled.Exit == 0, enrolled.ToString());
        var cert = Path.Combine(dir, certName);
        File.WriteAllText(cert, enrolled.Stdout);
        return cert;
    }

    /// <summary><c>pki --scepca</c>: the CA and RA certificates from GetCACert, as PEM files.</summary>
    private (string Ca, string Ra) GetCaCertificates(string dir)
    {
        var ca = Path.Combine(dir, "ca.pem");
        var ra = Path.Combine(dir, "ra.pem");
        var got = Pki(["--scepca", "--url", connector.Process.ScepUrl, "--caout", ca, "--raout", ra, "--outform", "pem"]);
        Assert.True(got.Exit == 0 && File.Exists(ca) && File.Exists(ra), got.ToString());
        Assert.Equal(File.ReadAllText(connector.CaPem).Trim(), File.ReadAllText(ca).Trim());
        return (ca, ra);
    }

    private static string NewKey(string dir, string name)
    {
        var generated = Pki(["--gen", "--type", "rsa", "--size", "2048", "--outform", "pem"]);
        Assert.True(generated.Exit == 0, generated.ToString());
        var path = Path.Combine(dir, name);
        File.WriteAllText(path, generated.Stdout);
        return path;
    }

    /// <summary>strongSwan's pki with stdout (the certificate or key) apart from stderr (its progress and plugin noise).</summary>
    private static PkiResult Pki(string[] args)
    {
        var info = new ProcessStartInfo("pki") { RedirectStandardOutput = true, RedirectStandardError = true, UseShellExecute = false };
        foreach (var a in args) info.ArgumentList.Add(a);
        using var p = Process.Start(info)!;
        var stdout = p.StandardOutput.ReadToEndAsync();
        var stderr = p.StandardError.ReadToEndAsync();
        if (!p.WaitForExit(TimeSpan.FromSeconds(120))) p.Kill();
        p.WaitForExit();
        return new PkiResult(p.ExitCode, stdout.Result, stderr.Result, string.Join(' ', args));
    }

    private sealed record PkiResult(int Exit, string Stdout, string Stderr, string Command)
    {
        public override string ToString() => $"pki {Command}: exit {Exit}\n{Stderr}";
    }
}
