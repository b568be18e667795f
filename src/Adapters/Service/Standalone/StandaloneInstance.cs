namespace CertConnector.Adapters.Service.Standalone;

/// <summary>
/// This instance's identity as the holder of standalone queue leases (one per data directory). At start the instance takes
/// back the leases it held before a crash at once, instead of waiting for them to run out.
/// </summary>
public sealed record StandaloneInstance(string Id);
