using CertConnector.Actors.Scep;
namespace CertConnector.Adapters.Scep;

/// <summary>
/// A pkiMessage that is CMS but wrong in a way the device should be told about with a FAILURE CertRep.
/// Carries whatever request attributes were readable, so the host can still address the reply
/// (they are unauthenticated when the failure is a signature failure).
/// </summary>
public sealed class ScepDecodeException : Exception
{
    public ScepDecodeException(ScepFailInfo failInfo, string message, Exception? inner = null)
        : base(message, inner) => FailInfo = failInfo;

    public ScepFailInfo FailInfo { get; }
    public string? TransactionId { get; internal set; }
    public byte[]? SenderNonce { get; internal set; }
    public ScepMessageType? MessageType { get; internal set; }
    public string? DigestAlgorithmOid { get; internal set; }
    /// <summary>DER of the signer certificate if one was found (a FAILURE reply needs no encryption, so this is informational).</summary>
    public byte[]? SignerCertificate { get; internal set; }
}

/// <summary>The body is not a CMS SignedData at all: the host answers HTTP 400, not a CertRep.</summary>
public sealed class NotScepException : Exception
{
    public NotScepException(string message, Exception? inner = null) : base(message, inner) { }
}

/// <summary>
/// Every decode slot is taken and as many messages wait as allowed (Connector:Scep:MaxConcurrentOperations,
/// MaxQueuedOperations): HTTP 503, try later.
/// </summary>
public sealed class ScepBusyException(int limit, int waiting)
    : Exception($"{limit} SCEP messages are being decoded and {waiting} are waiting")
{
    public int Limit { get; } = limit;
}
