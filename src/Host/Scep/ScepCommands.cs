using System.CommandLine;
using CertConnector.Host.Cli;

namespace CertConnector.Host.Scep;

/// <summary><c>certconnector scep challenge|notifications</c>.</summary>
public static class ScepCommands
{
    public static Command Build()
    {
        var subject = new Option<string>("--subject") { Description = "The subject DN the device's CSR must carry", Required = true };
        var sans = new Option<string[]>("--san") { Description = "SAN the CSR may carry (type:value); repeatable" };
        var ttl = new Option<string?>("--ttl") { Description = "Lifetime, e.g. 60m (default: Connector:Scep:ChallengeTtl)" };
        var ca = new Option<string?>("--ca") { Description = "The CA the enrollment goes to, by name (default: Connector:Cas:Default)" };
        var challenge = new Command("challenge", "Mint a one-time SCEP challenge bound to a subject (standalone mode)") { subject, sans, ttl, ca };
        challenge.SetAction(CliApp.Call(async (parse, client, ct) =>
        {
            CliApp.Print(await client.SendAsync(HttpMethod.Post, "/api/v1/scep/challenges",
                new NewScepChallenge(parse.GetValue(subject), parse.GetValue(sans), parse.GetValue(ttl), parse.GetValue(ca)), ct));
            return 0;
        }));

        var notifications = new Command("notifications", "What the standalone service was told about SCEP requests");
        notifications.SetAction(CliApp.Call(async (_, client, ct) =>
        {
            CliApp.Print(await client.SendAsync(HttpMethod.Get, "/api/v1/scep/notifications", null, ct));
            return 0;
        }));
        return new Command("scep", "SCEP enrollment (RFC 8894)") { challenge, notifications };
    }
}
