using CertConnector.Actors.Common;

namespace CertConnector.Actors.Pkcs;

/// <summary>Tuning of the PKCS feature, bound from the <c>Connector:Pkcs</c> configuration section.</summary>
public sealed class PkcsOptions : PulledFeatureOptions
{
    /// <summary>Issue steps (key generation, CSR, a local CA's signature, sealing: CPU-bound) run at once on this node, each on
    /// a dedicated thread off the thread pool (<see cref="CpuWorkScheduler"/>); default one per core.</summary>
    public int MaxConcurrentKeyGenerations { get; set; } = Environment.ProcessorCount;

    /// <summary>Keep key pairs generated ahead in memory (never on disk), so a burst does not wait on key generation.</summary>
    public bool KeyPoolEnabled { get; set; } = true;

    /// <summary>Keys held ready per spec in <see cref="KeyPoolKeySpecs"/>.</summary>
    public int KeyPoolSize { get; set; } = 32;

    /// <summary>The key specs the pool keeps, comma-separated (e.g. <c>rsa:2048,ec:p256</c>); requests for others generate their own.
    /// One string rather than a list: a configured list would be appended to the default instead of replacing it.</summary>
    public string KeyPoolKeySpecs { get; set; } = "rsa:2048";

    /// <summary>The specs of <see cref="KeyPoolKeySpecs"/>; a malformed one is a <see cref="FormatException"/> naming it.</summary>
    public IReadOnlyList<KeySpec> PooledKeySpecs() =>
        [.. KeyPoolKeySpecs.Split(',', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries)
            .Select(text => KeySpec.TryParse(text, out var spec) ? spec
                : throw new FormatException($"Connector:Pkcs:KeyPoolKeySpecs names '{text}', which is not a supported key spec ({string.Join(", ", KeySpec.Supported)})."))];
}
