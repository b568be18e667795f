using CertConnector.Adapters.Revocation;
using CertConnector.Adapters.Scep;

namespace CertConnector.Adapters.Ca.BuiltIn;

/// <summary>The built-in CA as the SCEP service sees it: RA credentials, issued certificates, the CRL; nothing else.</summary>
public sealed partial class BuiltInCa : IScepRaCredentials, IIssuedCertificateLookup, ICrlSource
{
    /// <summary>No CA rollover is scheduled: the next CA is the current one, signed by the current CA key.</summary>
    public ScepHttpContent NextCaCertResponse() => ScepCaCertResponse.GetNextCaCert([CaCertificate, RaCertificate], CaCertificate, CaPrivateKey);

    public IssuedCertificateInfo? FindIssued(string serialHex) => Info(Store.FindBySerial(serialHex));

    public IssuedCertificateInfo? FindIssuedElsewhere(string serialHex) => Info(Store.FindElsewhere(serialHex));

    private static IssuedCertificateInfo? Info(IssuedCertificateRecord? record) => record is null
        ? null
        : new IssuedCertificateInfo(record.Der, record.Status == IssuedCertificateRecord.Revoked, record.Feature, record.Template,
            record.RenewedBy ?? record.SupersededBy, record.RequestId, record.Ca);
}
