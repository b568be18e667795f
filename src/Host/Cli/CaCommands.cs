using System.CommandLine;
using CertConnector.Host.Ca;

namespace CertConnector.Host.Cli;

/// <summary><c>certconnector ca cert|crl|revoke</c>: the certification authority.</summary>
public static class CaCommands
{
    public static Command Build() => new("ca", "The certification authority") { Cert(), Crl(), Revoke() };

    private static Command Cert()
    {
        var cert = new Command("cert", "Print the CA certificate (PEM)");
        cert.SetAction(CliApp.Call(async (_, client, ct) =>
        {
            Console.Write((await client.SendAsync(HttpMethod.Get, "/api/v1/ca/certificate", null, ct)).GetString());
            return 0;
        }));
        return cert;
    }

    /// <summary>The current CRL (PEM); <c>openssl crl -noout -text</c> reads it.</summary>
    public static Command Crl()
    {
        var crl = new Command("crl", "Print the current CRL (PEM)");
        crl.SetAction(CliApp.Call(async (_, client, ct) =>
        {
            Console.Write((await client.SendAsync(HttpMethod.Get, "/api/v1/ca/crl", null, ct)).GetString());
            return 0;
        }));
        return crl;
    }

    /// <summary>Revokes at the CA directly (no tracked request): the operator's tool for a certificate no request covers.</summary>
    public static Command Revoke()
    {
        var serial = new Option<string>("--serial") { Description = "Serial number (hex)", Required = true };
        var reason = new Option<string?>("--reason") { Description = "unspecified|keyCompromise|affiliationChanged|superseded|cessationOfOperation|certificateHold" };
        var revoke = new Command("revoke", "Revoke a certificate at the built-in CA now") { serial, reason };
        revoke.SetAction(CliApp.Call(async (parse, client, ct) =>
        {
            CliApp.Print(await client.SendAsync(HttpMethod.Post, "/api/v1/ca/revoke", new CaRevokeRequest(parse.GetValue(serial), parse.GetValue(reason)), ct));
            return 0;
        }));
        return revoke;
    }
}
