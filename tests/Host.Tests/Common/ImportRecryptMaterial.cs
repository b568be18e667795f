namespace CertConnector.Host.Tests.Common;

/// <summary>What import and recrypt tests feed the connector, made by openssl: a user's PFX, a device, a password encrypted to the
/// connector key, a payload enveloped to the connector certificate.</summary>
public static class ImportRecryptMaterial
{
    /// <summary>A user's PFX (RSA key + self-signed CN=alice, openssl's default PKCS#12 protection) and an RSA device (device.key, device.crt).</summary>
    public static (string Pfx, string DeviceKey, string DeviceCert) UserPfxAndDevice(string dir, string password)
    {
        var deviceCert = Tools.DeviceCertificateFile(dir, rsa: true);
        var userKey = Path.Combine(dir, "user.key");
        var userCert = Path.Combine(dir, "user.crt");
        Tools.OpenSsl("req", "-x509", "-newkey", "rsa:2048", "-nodes", "-keyout", userKey, "-out", userCert, "-subj", "/CN=alice", "-days", "30");
        var pfx = Path.Combine(dir, "user.p12");
        var passFile = Path.Combine(dir, "pfx.pass");
        File.WriteAllText(passFile, password);
        Tools.OpenSsl("pkcs12", "-export", "-inkey", userKey, "-in", userCert, "-passout", $"file:{passFile}", "-out", pfx);
        File.Delete(passFile);
        return (pfx, Path.Combine(dir, "device.key"), deviceCert);
    }

    /// <summary>The password RSA-OAEP-encrypted by <c>openssl pkeyutl</c> to the public key (PEM) with the padding's digest (binary file).</summary>
    public static string EncryptPassword(string dir, string publicKeyPem, string password, string padding)
    {
        var pub = Path.Combine(dir, "connector.pub");
        File.WriteAllText(pub, publicKeyPem);
        var plain = Path.Combine(dir, "password.txt");
        File.WriteAllText(plain, password);
        var encrypted = Path.Combine(dir, "password.enc");
        var md = "sha" + padding["oaepSha".Length..];
        Tools.OpenSsl("pkeyutl", "-encrypt", "-pubin", "-inkey", pub, "-in", plain, "-out", encrypted,
            "-pkeyopt", "rsa_padding_mode:oaep", "-pkeyopt", $"rsa_oaep_md:{md}", "-pkeyopt", $"rsa_mgf1_md:{md}");
        File.Delete(plain);
        return encrypted;
    }

    /// <summary><paramref name="content"/> enveloped by <c>openssl cms -encrypt</c> (AES-256, DER) to the certificate (PEM); the file's path.</summary>
    public static string Envelope(string dir, string certificatePem, byte[] content, bool oaep = false)
    {
        var cert = Path.Combine(dir, $"recipient-{Guid.NewGuid():N}.crt");
        File.WriteAllText(cert, certificatePem);
        var plain = Path.Combine(dir, $"plain-{Guid.NewGuid():N}.bin");
        File.WriteAllBytes(plain, content);
        var payload = Path.Combine(dir, $"payload-{Guid.NewGuid():N}.cms");
        Tools.OpenSsl(["cms", "-encrypt", "-binary", "-aes256", "-outform", "DER", "-in", plain, "-out", payload, "-recip", cert,
            .. oaep ? new[] { "-keyopt", "rsa_padding_mode:oaep", "-keyopt", "rsa_oaep_md:sha256" } : []]);
        File.Delete(plain);
        return payload;
    }

    /// <summary>What the device gets: <c>openssl cms -decrypt</c> of a DER envelope with its key.</summary>
    public static byte[] Decrypt(string dir, byte[] envelope, string key, string cert)
    {
        var input = Path.Combine(dir, $"in-{Guid.NewGuid():N}.cms");
        var output = Path.Combine(dir, $"out-{Guid.NewGuid():N}.bin");
        File.WriteAllBytes(input, envelope);
        Tools.OpenSsl("cms", "-decrypt", "-binary", "-inform", "DER", "-in", input, "-inkey", key, "-recip", cert, "-out", output);
        var bytes = File.ReadAllBytes(output);
        File.Delete(output);
        return bytes;
    }
}
