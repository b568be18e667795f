using CertConnector.Adapters.Ca.BuiltIn;
using CertConnector.Adapters.Revocation;

namespace CertConnector.Host.Revocation;

/// <summary>The revocation feature's adapters and background work: one call from the composition root.</summary>
public static class RevocationComposition
{
    public static IServiceCollection AddCaRevocation(this IServiceCollection services, CaPublishingOptions options)
    {
        PublicBaseUrl.Check(options);
        services.AddSingleton(options);
        services.AddSingleton<PublicBaseUrl>();
        services.AddSingleton<ICrlSource>(sp => sp.GetRequiredService<BuiltInCa>());
        services.AddSingleton(sp =>
        {
            var ca = sp.GetRequiredService<BuiltInCa>();
            return new OcspResponder(ca.CaCertificate, ca, sp.GetRequiredService<TimeProvider>(), options.OcspResponseValidity, options.OcspCacheBytes);
        });
        services.AddHostedService<CrlRefresh>();
        return services;
    }
}
