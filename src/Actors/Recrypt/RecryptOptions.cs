using CertConnector.Actors.Common;

namespace CertConnector.Actors.Recrypt;

/// <summary>Tuning of the recrypt feature, bound from <c>Connector:Recrypt</c>; <see cref="PulledFeatureOptions.MaxAttempts"/>
/// counts attempts while this instance lacks the connector key.</summary>
public sealed class RecryptOptions : PulledFeatureOptions;
