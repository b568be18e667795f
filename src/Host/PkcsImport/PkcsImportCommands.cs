using System.CommandLine;
using System.Text.Json;
using CertConnector.Adapters.Crypto;
using CertConnector.Host.Cli;
using CertConnector.Host.ConnectorKey;

namespace CertConnector.Host.PkcsImport;

/// <summary><c>certconnector import encrypt-password|request|show|result</c>: users' existing PFX files delivered to their devices.</summary>
public static class PkcsImportCommands
{
    public static Command Build() => new("pkcs-import", "PKCS import: a user's PFX (S/MIME) whose password is encrypted to the connector key, delivered to a device")
    {
        EncryptPasswordCommand(), RequestCommand(), ShowCommand(), ResultCommand(),
    };

    private static Option<string> PaddingOption() => new("--padding")
    {
        Description = string.Join("|", ImportPasswords.SupportedPaddings) + " (default oaepSha256)", DefaultValueFactory = _ => "oaepSha256",
    };

    /// <summary>Reads the password from stdin and encrypts it here, with the public key from the admin API: the password never crosses HTTP.</summary>
    private static Command EncryptPasswordCommand()
    {
        var padding = PaddingOption();
        var command = new Command("encrypt-password", "Read a PFX password on stdin; print it RSA-OAEP-encrypted to the connector key (base64)") { padding };
        command.SetAction(CliApp.Call(async (parse, client, ct) =>
        {
            var input = (await Console.In.ReadToEndAsync(ct)).ToCharArray();
            var length = input.Length;
            if (length > 0 && input[length - 1] == '\n') length--; // one trailing line end, as echo and files add
            if (length > 0 && input[length - 1] == '\r') length--;
            try
            {
                if (length == 0) throw new CliException("No password on stdin.");
                var info = await KeyCommands.FetchAsync(client, ct);
                using var rsa = ConnectorKeyPair.PublicKeyFromPem(info.PublicKeyPem!);
                Console.WriteLine(Convert.ToBase64String(ImportPasswords.Encrypt(input.AsSpan(0, length), rsa, parse.GetValue(padding)!)));
                return 0;
            }
            catch (Exception e) when (e is ArgumentException or Actors.Common.ConnectorFailureException)
            {
                throw new CliException(e.Message);
            }
            finally
            {
                Array.Clear(input);
            }
        }));
        return command;
    }

    private static Command RequestCommand()
    {
        var pfx = new Option<FileInfo>("--pfx") { Description = "The user's PKCS#12 file", Required = true };
        var password = new Option<FileInfo>("--encrypted-password") { Description = "File with the password encrypted to the connector key (what encrypt-password prints)", Required = true };
        var padding = PaddingOption();
        var upn = new Option<string>("--upn") { Description = "The user's principal name", Required = true };
        var deviceCert = new Option<FileInfo>("--device-cert") { Description = "The device's encryption certificate (PEM or DER)", Required = true };
        var thumbprint = new Option<string?>("--thumbprint") { Description = "SHA-1 thumbprint (hex) of the PFX's certificate: checked before delivery" };
        var id = new Option<string?>("--request-id") { Description = "Request ID (default: a new GUID)" };
        var command = new Command("request", "Queue an import") { pfx, password, padding, upn, deviceCert, thumbprint, id };
        command.SetAction(CliApp.Call(async (parse, client, ct) =>
        {
            var body = new NewPkcsImportRequest(
                Convert.ToBase64String(await CliFiles.ReadAsync(parse.GetValue(pfx)!, "PFX", ct)),
                await CliFiles.BinaryAsBase64Async(parse.GetValue(password)!, "Encrypted password", ct),
                parse.GetValue(padding), parse.GetValue(upn),
                await CliFiles.CertificateAsync(parse.GetValue(deviceCert)!, "Device certificate", ct),
                Thumbprint: parse.GetValue(thumbprint), RequestId: parse.GetValue(id));
            CliApp.Print(await client.SendAsync(HttpMethod.Post, "/api/v1/pkcs-import/requests", body, ct));
            return 0;
        }));
        return command;
    }

    private static Command ShowCommand()
    {
        var id = new Argument<string>("id") { Description = "Import request ID" };
        var command = new Command("show", "An import's state and event history") { id };
        command.SetAction(CliApp.Call(async (parse, client, ct) =>
        {
            CliApp.Print(await client.SendAsync(HttpMethod.Get, $"/api/v1/pkcs-import/requests/{Uri.EscapeDataString(parse.GetValue(id)!)}", null, ct));
            return 0;
        }));
        return command;
    }

    private static Command ResultCommand()
    {
        var id = new Argument<string>("id") { Description = "Import request ID" };
        var output = new Option<DirectoryInfo>("--out") { Description = "Directory for ID.password.cms (DER CMS EnvelopedData to the device)", DefaultValueFactory = _ => new DirectoryInfo(".") };
        var command = new Command("result", "Write a finished import's enveloped password, or say why it failed") { id, output };
        command.SetAction(CliApp.Call(async (parse, client, ct) =>
        {
            var requestId = parse.GetValue(id)!;
            var result = (await client.SendAsync(HttpMethod.Get, $"/api/v1/pkcs-import/requests/{Uri.EscapeDataString(requestId)}/result", null, ct))
                .Deserialize<PkcsImportResultBody>(AdminClient.Json) ?? throw new CliException("The admin API returned an empty result.");
            if (!result.Succeeded)
            {
                await Console.Error.WriteLineAsync($"Import {requestId} failed: {result.ErrorCode}: {result.ErrorMessage}");
                return 2;
            }
            await CliFiles.WriteResultAsync(parse.GetValue(output)!, requestId, ".password.cms", result.EncryptedPassword ?? [], ct);
            return 0;
        }));
        return command;
    }
}
