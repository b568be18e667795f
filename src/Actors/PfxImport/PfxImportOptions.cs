using CertConnector.Actors.Common;

namespace CertConnector.Actors.PfxImport;

/// <summary>Tuning of the PKCS import feature, bound from <c>Connector:PfxImport</c>; <see cref="PulledFeatureOptions.MaxAttempts"/>
/// counts re-encrypt attempts while this instance lacks the connector key.</summary>
public sealed class PfxImportOptions : PulledFeatureOptions;
