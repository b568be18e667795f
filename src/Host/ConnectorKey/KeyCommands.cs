using System.CommandLine;
using System.Text.Json;
using CertConnector.Host.Cli;

namespace CertConnector.Host.ConnectorKey;

/// <summary><c>certconnector key show|export-public|export-cert</c>: the connector key's public half.</summary>
public static class KeyCommands
{
    public static Command Build() => new("key", "The connector key that imported PFX passwords and recrypt payloads are encrypted to")
    {
        Export("show", "The connector key: size, fingerprint, certificate expiry (JSON)", null),
        Export("export-public", "Print the public key (PEM SubjectPublicKeyInfo), to encrypt PFX passwords elsewhere", i => i.PublicKeyPem),
        Export("export-cert", "Print the key's certificate (PEM, issued by the CA), to envelope payloads with standard tools", i => i.CertificatePem),
    };

    /// <summary>The connector key as the admin API reports it; an error when this instance has none.</summary>
    public static async Task<ConnectorKeyInfo> FetchAsync(AdminClient client, CancellationToken ct)
    {
        var info = (await client.SendAsync(HttpMethod.Get, "/api/v1/connector-key", null, ct)).Deserialize<ConnectorKeyInfo>(AdminClient.Json)
            ?? throw new CliException("The admin API returned no connector key information.");
        return info.Available ? info : throw new CliException(info.Problem ?? "The connector has no connector key.");
    }

    private static Command Export(string name, string description, Func<ConnectorKeyInfo, string?>? pick)
    {
        var command = new Command(name, description);
        command.SetAction(CliApp.Call(async (_, client, ct) =>
        {
            var info = await FetchAsync(client, ct);
            if (pick is null) CliApp.Print(JsonSerializer.SerializeToElement(info with { PublicKeyPem = null, CertificatePem = null }, AdminClient.Json));
            else Console.Write(pick(info));
            return 0;
        }));
        return command;
    }
}
