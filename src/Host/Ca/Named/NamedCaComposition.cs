using CertConnector.Actors.Ports;
using CertConnector.Adapters.Ca.BuiltIn;
using CertConnector.Host.Configuration;

namespace CertConnector.Host.Ca.Named;

/// <summary>
/// Builds the configured CAs (<see cref="CertificateAuthorities"/>) from their types' factories: each call observed for status, and the
/// certificates of every CA but the built-in one recorded in the issued-certificate store under the CA's name, so revocations find it.
/// </summary>
public static class NamedCaComposition
{
    public static IServiceCollection AddNamedCas(this IServiceCollection services, ConnectorOptions options)
    {
        services.AddSingleton(sp => new CaCalls(sp.GetRequiredService<TimeProvider>()));
        services.AddSingleton(sp =>
        {
            var calls = sp.GetRequiredService<CaCalls>();
            var store = sp.GetRequiredService<BuiltInCa>().Store;
            var log = sp.GetRequiredService<ILoggerFactory>().CreateLogger(typeof(NamedCaComposition).FullName!);
            var cas = options.NamedCas;
            return new CertificateAuthorities([.. cas.Entries.Select(entry =>
            {
                var backend = entry.Type.Create(new CaBuildContext(entry.Name, entry.Settings, sp));
                if (entry.Type.Name != NamedCa.BuiltInType)
                    backend = backend with
                    {
                        Authority = new IssuedElsewhereRecorder(backend.Authority, entry.Name, store, (serial, e) =>
                            log.LogWarning("The certificate {Serial} of the CA {Ca} is not in the issued-certificate store ({Error}); a revocation of it must name the CA.",
                                serial, entry.Name, e.Message)),
                    };
                backend = calls.Observed(entry.Name, backend);
                return new NamedCa(entry.Name, entry.Type.Name, backend.Authority, backend.Revoker, backend.Probe, backend.CsrChallenges);
            })], cas.DefaultName);
        });
        services.AddSingleton<IIssuingCaLookup>(sp => new IssuedStoreCaLookup(sp.GetRequiredService<BuiltInCa>().Store, sp.GetRequiredService<CertificateAuthorities>()));
        return services;
    }

    /// <summary>Each configured CA's start-up check (e.g. an upstream's capabilities): throws to stop the start; returns the warnings to log.</summary>
    public static async Task<IReadOnlyList<string>> CheckAtStartAsync(CaSettings cas, CancellationToken cancellationToken)
    {
        var warnings = new List<string>();
        foreach (var entry in cas.Entries)
            if (entry.Type.CheckAtStartAsync is { } check && await check(entry.Name, entry.Settings, cancellationToken) is { } warning)
                warnings.Add(warning);
        return warnings;
    }

    /// <summary>The issued-certificate store's answer: the CA named in the row, the built-in CA for a row naming none.</summary>
    private sealed class IssuedStoreCaLookup(IssuedCertificateStore store, CertificateAuthorities cas) : IIssuingCaLookup
    {
        public Task<string?> IssuingCaOfAsync(string serialNumber, CancellationToken cancellationToken)
        {
            var (found, ca) = store.FindIssuer(serialNumber);
            // A row of the built-in CA with no built-in CA configured routes to a name no CA has: the revocation fails, saying so.
            return Task.FromResult(found ? ca ?? cas.BuiltIn?.Name ?? CertificateAuthorities.BuiltInName : null);
        }
    }
}
