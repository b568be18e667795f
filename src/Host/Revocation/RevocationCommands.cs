using System.CommandLine;
using CertConnector.Host.Cli;

namespace CertConnector.Host.Revocation;

/// <summary><c>certconnector revocation request|show</c> (and <c>pkcs revoke</c>, which calls the same API).</summary>
public static class RevocationCommands
{
    public static Command Build() => new("revocation", "Revoke certificates at the CA (CRL and OCSP then say revoked)")
    {
        RequestCommand(), ShowCommand(),
    };

    public static Option<string?> ReasonOption() =>
        new("--reason") { Description = string.Join("|", RevocationFields.ReasonNames) + " (default unspecified)" };

    private static Command RequestCommand()
    {
        var serial = new Option<string>("--serial") { Description = "The certificate's serial number (hex; colons allowed)", Required = true };
        var reason = ReasonOption();
        var id = new Option<string?>("--request-id") { Description = "Request ID (default: a new GUID)" };
        var ca = new Option<string?>("--ca") { Description = "The CA to revoke at, by name (default: the CA that issued the serial)" };
        var command = new Command("request", "Queue a revocation") { serial, reason, id, ca };
        command.SetAction(CliApp.Call(async (parse, client, ct) =>
        {
            CliApp.Print(await client.SendAsync(HttpMethod.Post, "/api/v1/revocation/requests",
                new NewRevocationRequest(parse.GetValue(serial), parse.GetValue(reason), RequestId: parse.GetValue(id), Ca: parse.GetValue(ca)), ct));
            return 0;
        }));
        return command;
    }

    private static Command ShowCommand()
    {
        var id = new Argument<string>("id") { Description = "Revocation request ID" };
        var command = new Command("show", "A revocation's state and event history") { id };
        command.SetAction(CliApp.Call(async (parse, client, ct) =>
        {
            CliApp.Print(await client.SendAsync(HttpMethod.Get, $"/api/v1/revocation/requests/{Uri.EscapeDataString(parse.GetValue(id)!)}", null, ct));
            return 0;
        }));
        return command;
    }
}
