using CertConnector.Host;
using CertConnector.Host.Cli;

// One executable, two faces: `certconnector <subcommand>` is the CLI over the admin API;
// `certconnector [run] [--data-dir …]` (and `dotnet run --project src/Host`) is the connector.
if (CliApp.Handles(args)) return await CliApp.RunAsync(args);
return await ServerApp.RunAsync(args.Length > 0 && args[0] == "run" ? args[1..] : args);
