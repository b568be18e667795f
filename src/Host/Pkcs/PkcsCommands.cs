using System.CommandLine;
using System.Text.Json;
using CertConnector.Host.Cli;
using CertConnector.Host.Revocation;

namespace CertConnector.Host.Pkcs;

/// <summary><c>certconnector pkcs request|show|result|revoke</c>.</summary>
public static class PkcsCommands
{
    public static Command Build() => new("pkcs", "PKCS certificates: server-side keys delivered encrypted to a device")
    {
        RequestCommand(), ShowCommand(), ResultCommand(), RevokeCommand(),
    };

    /// <summary>Revokes the certificate a PKCS request produced: a revocation request (the revocation feature's API)
    /// for the serial of that request's result.</summary>
    private static Command RevokeCommand()
    {
        var id = new Argument<string>("id") { Description = "PKCS request ID" };
        var reason = RevocationCommands.ReasonOption();
        var command = new Command("revoke", "Revoke the certificate this PKCS request produced") { id, reason };
        command.SetAction(CliApp.Call(async (parse, client, ct) =>
        {
            CliApp.Print(await client.SendAsync(HttpMethod.Post, "/api/v1/revocation/requests",
                new NewRevocationRequest(null, parse.GetValue(reason), PkcsRequestId: parse.GetValue(id)), ct));
            return 0;
        }));
        return command;
    }

    private static Command RequestCommand()
    {
        var subject = new Option<string>("--subject") { Description = "Subject DN, e.g. \"CN=Alice,O=Contoso\"", Required = true };
        var sans = new Option<string[]>("--san") { Description = "SAN as type:value (upn, email, dns, uri, ip); repeatable", AllowMultipleArgumentsPerToken = false };
        var deviceCert = new Option<FileInfo>("--device-cert") { Description = "The device's encryption certificate (PEM or DER)", Required = true };
        var key = new Option<string>("--key") { Description = "rsa:2048|rsa:3072|rsa:4096|ec:p256|ec:p384", DefaultValueFactory = _ => "rsa:2048" };
        var template = new Option<string?>("--template") { Description = "Certificate template (client-auth, smime, ...)" };
        var sid = new Option<string?>("--sid") { Description = "On-premises SID for the strong-mapping extension" };
        var validity = new Option<int?>("--validity-days") { Description = "Validity (default: the template's)" };
        var id = new Option<string?>("--request-id") { Description = "Request ID (default: a new GUID)" };
        var ca = new Option<string?>("--ca") { Description = "The CA that issues it, by name (Connector:Cas:NAME; default: Connector:Cas:Default)" };
        var command = new Command("request", "Queue a PKCS request") { subject, sans, deviceCert, key, template, sid, validity, id, ca };
        command.SetAction(CliApp.Call(async (parse, client, ct) =>
        {
            var file = parse.GetValue(deviceCert)!;
            if (!file.Exists) throw new CliException($"Device certificate file '{file.FullName}' does not exist.");
            var bytes = await File.ReadAllBytesAsync(file.FullName, ct);
            var text = bytes.Length > 0 && bytes[0] == 0x30 ? Convert.ToBase64String(bytes) : System.Text.Encoding.ASCII.GetString(bytes);
            var body = new NewPkcsRequest(parse.GetValue(subject), parse.GetValue(sans), text, parse.GetValue(key),
                parse.GetValue(template), parse.GetValue(sid), parse.GetValue(validity), parse.GetValue(id), null, parse.GetValue(ca));
            CliApp.Print(await client.SendAsync(HttpMethod.Post, "/api/v1/pkcs/requests", body, ct));
            return 0;
        }));
        return command;
    }

    private static Command ShowCommand()
    {
        var id = new Argument<string>("id") { Description = "Request ID" };
        var command = new Command("show", "A request's state and event history") { id };
        command.SetAction(CliApp.Call(async (parse, client, ct) =>
        {
            CliApp.Print(await client.SendAsync(HttpMethod.Get, $"/api/v1/pkcs/requests/{Uri.EscapeDataString(parse.GetValue(id)!)}", null, ct));
            return 0;
        }));
        return command;
    }

    private static Command ResultCommand()
    {
        var id = new Argument<string>("id") { Description = "Request ID" };
        var output = new Option<DirectoryInfo>("--out") { Description = "Directory for ID.p12.cms, ID.password.cms, ID.crt.pem", DefaultValueFactory = _ => new DirectoryInfo(".") };
        var command = new Command("result", "Write a finished request's result, or say why it failed") { id, output };
        command.SetAction(CliApp.Call(async (parse, client, ct) =>
        {
            var requestId = parse.GetValue(id)!;
            var result = (await client.SendAsync(HttpMethod.Get, $"/api/v1/pkcs/requests/{Uri.EscapeDataString(requestId)}/result", null, ct))
                .Deserialize<PkcsResultBody>(AdminClient.Json) ?? throw new CliException("The admin API returned an empty result.");
            if (!result.Succeeded)
            {
                await Console.Error.WriteLineAsync($"Request {requestId} failed: {result.ErrorCode}: {result.ErrorMessage}");
                return 2;
            }
            var dir = parse.GetValue(output)!;
            dir.Create();
            var safe = string.Concat(requestId.Select(c => char.IsLetterOrDigit(c) || c is '-' or '_' or '.' ? c : '_'));
            var files = new (string Name, byte[] Content)[]
            {
                ($"{safe}.p12.cms", result.EncryptedPfx ?? []),
                ($"{safe}.password.cms", result.EncryptedPassword ?? []),
                ($"{safe}.crt.pem", System.Text.Encoding.ASCII.GetBytes(result.CertificatePem ?? "")),
            };
            foreach (var (name, content) in files)
            {
                var path = Path.Combine(dir.FullName, name);
                await File.WriteAllBytesAsync(path, content, ct);
                Console.WriteLine(path);
            }
            return 0;
        }));
        return command;
    }
}
