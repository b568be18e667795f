namespace CertConnector.Actors.Common;

/// <summary>
/// Marker for a persisted type that carries a secret it cannot shed (e.g. a signed CSR with its
/// challengePassword inside). The journal serializer encrypts such types at rest, so no secret reaches the
/// journal in plaintext (docs/DESIGN.md §5.1); it refuses to write them at all without a sealing key.
/// </summary>
public interface IHoldsSecret;
