using System.CommandLine;
using System.Text.Json;
using CertConnector.Host.Cli;

namespace CertConnector.Host.Recrypt;

/// <summary><c>certconnector recrypt request|show|result</c>: a payload enveloped to the connector key, re-enveloped to a new recipient.</summary>
public static class RecryptCommands
{
    public static Command Build() => new("recrypt", "Re-envelope a payload addressed to the connector key to a new recipient certificate")
    {
        RequestCommand(), ShowCommand(), ResultCommand(),
    };

    private static Command RequestCommand()
    {
        var payload = new Option<FileInfo>("--payload") { Description = "CMS EnvelopedData addressed to the connector key (DER, or PEM)", Required = true };
        var recipient = new Option<FileInfo>("--recipient-cert") { Description = "The new recipient's certificate (PEM or DER)", Required = true };
        var id = new Option<string?>("--request-id") { Description = "Request ID (default: a new GUID)" };
        var command = new Command("request", "Queue a recrypt request") { payload, recipient, id };
        command.SetAction(CliApp.Call(async (parse, client, ct) =>
        {
            var body = new NewRecryptRequest(await CliFiles.BinaryAsBase64Async(parse.GetValue(payload)!, "Payload", ct),
                await CliFiles.CertificateAsync(parse.GetValue(recipient)!, "Recipient certificate", ct), parse.GetValue(id));
            CliApp.Print(await client.SendAsync(HttpMethod.Post, "/api/v1/recrypt/requests", body, ct));
            return 0;
        }));
        return command;
    }

    private static Command ShowCommand()
    {
        var id = new Argument<string>("id") { Description = "Recrypt request ID" };
        var command = new Command("show", "A recrypt request's state and event history") { id };
        command.SetAction(CliApp.Call(async (parse, client, ct) =>
        {
            CliApp.Print(await client.SendAsync(HttpMethod.Get, $"/api/v1/recrypt/requests/{Uri.EscapeDataString(parse.GetValue(id)!)}", null, ct));
            return 0;
        }));
        return command;
    }

    private static Command ResultCommand()
    {
        var id = new Argument<string>("id") { Description = "Recrypt request ID" };
        var output = new Option<DirectoryInfo>("--out") { Description = "Directory for ID.payload.cms (DER CMS EnvelopedData to the recipient)", DefaultValueFactory = _ => new DirectoryInfo(".") };
        var command = new Command("result", "Write a finished recrypt's payload, or say why it failed") { id, output };
        command.SetAction(CliApp.Call(async (parse, client, ct) =>
        {
            var requestId = parse.GetValue(id)!;
            var result = (await client.SendAsync(HttpMethod.Get, $"/api/v1/recrypt/requests/{Uri.EscapeDataString(requestId)}/result", null, ct))
                .Deserialize<RecryptResultBody>(AdminClient.Json) ?? throw new CliException("The admin API returned an empty result.");
            if (!result.Succeeded)
            {
                await Console.Error.WriteLineAsync($"Recrypt {requestId} failed: {result.ErrorCode}: {result.ErrorMessage}");
                return 2;
            }
            await CliFiles.WriteResultAsync(parse.GetValue(output)!, requestId, ".payload.cms", result.EncryptedPayload ?? [], ct);
            return 0;
        }));
        return command;
    }
}
