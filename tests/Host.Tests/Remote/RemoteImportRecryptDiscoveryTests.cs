using CertConnector.Actors.Pkcs;
using CertConnector.Actors.PkcsImport;
using CertConnector.Actors.Recrypt;
using CertConnector.Actors.Revocation;
using CertConnector.Actors.Scep;
using CertConnector.Host.Composition;
using CertConnector.Host.Configuration;
using CertConnector.Tests.Emulator;

namespace CertConnector.Host.Tests.Remote;

/// <summary>Import and recrypt call PkiConnectorFEService: with only them enabled, the start-up check still needs it from discovery.</summary>
public sealed class RemoteImportRecryptDiscoveryTests
{
    [Theory]
    [InlineData(true, false)]
    [InlineData(false, true)]
    public async Task With_only_import_or_recrypt_enabled_discovery_without_the_pki_service_stops_the_start(bool import, bool recrypt)
    {
        await using var emulator = await ServiceEmulator.StartAsync();
        var options = Options(emulator, import, recrypt);
        await RemoteServiceComposition.CheckServiceReachableAsync(options); // listed: starts

        emulator.DiscoveredServices.Remove("PkiConnectorFEService");
        var error = await Assert.ThrowsAsync<StartupException>(() => RemoteServiceComposition.CheckServiceReachableAsync(options));

        Assert.Contains("PkiConnectorFEService", error.Message);
        Assert.Contains("ServiceDiscoveryMissingService", error.Message);
    }

    private static ConnectorOptions Options(ServiceEmulator emulator, bool import, bool recrypt)
    {
        var options = new ConnectorOptions
        {
            Service = new ServiceSettings
            {
                Mode = "remote",
                TokenUrl = emulator.TokenUrl.ToString(),
                ClientId = ServiceEmulator.ClientId,
                ClientSecret = ServiceEmulator.ClientSecret,
                DiscoveryUrl = emulator.DiscoveryUrl.ToString(),
                TrustedCertificates = emulator.CertificatePemPath,
            },
        };
        options.Feature<PkcsOptions>().Enabled = false;
        options.Feature<RevocationOptions>().Enabled = false;
        options.Feature<ScepOptions>().Enabled = false;
        options.Feature<PkcsImportOptions>().Enabled = import;
        options.Feature<RecryptOptions>().Enabled = recrypt;
        return options;
    }
}
