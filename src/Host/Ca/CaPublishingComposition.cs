using CertConnector.Adapters.Ca.BuiltIn;
using CertConnector.Adapters.Revocation;

namespace CertConnector.Host.Ca;

/// <summary>The CA's publication of revocation status (CRL, OCSP, the URLs put into certificates): whichever features are on.</summary>
public static class CaPublishingComposition
{
    public static IServiceCollection AddCaPublishing(this IServiceCollection services, CaPublishingOptions options)
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
        services.AddHostedService<CredentialExpiryWatch>(); // 0020/0021 before relying parties notice
        return services;
    }
}
