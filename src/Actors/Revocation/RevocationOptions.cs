using CertConnector.Actors.Common;

namespace CertConnector.Actors.Revocation;

/// <summary>Tuning of the revocation feature, bound from the <c>Connector:Revocation</c> configuration section;
/// <see cref="PulledFeatureOptions.MaxAttempts"/> counts revoking attempts while the CA cannot be reached.</summary>
public sealed class RevocationOptions : PulledFeatureOptions;
