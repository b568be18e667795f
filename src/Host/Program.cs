using CertConnector.Host;

// One executable, two faces: `certconnector <subcommand>` is the CLI over the admin API;
// `certconnector [run] [--data-dir …]` (and `dotnet run --project src/Host`) is the connector.
return await EntryPoint.RunAsync(args);
