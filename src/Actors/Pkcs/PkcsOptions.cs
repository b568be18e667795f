using CertConnector.Actors.Common;

namespace CertConnector.Actors.Pkcs;

/// <summary>Tuning of the PKCS feature, bound from the <c>Connector:Pkcs</c> configuration section.</summary>
public sealed class PkcsOptions : PulledFeatureOptions
{
    /// <summary>Key pairs generated at once on this node (CPU-bound work); default one per core.</summary>
    public int MaxConcurrentKeyGenerations { get; set; } = Environment.ProcessorCount;
}
