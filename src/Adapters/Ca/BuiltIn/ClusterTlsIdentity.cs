using System.Security.Cryptography;
using System.Text;

namespace CertConnector.Adapters.Ca.BuiltIn;

/// <summary>What a cluster member's remoting certificate carries so that the other members recognise it as one of theirs.</summary>
public static class ClusterTlsIdentity
{
    /// <summary>
    /// The cluster-member marker, an extended key usage under the UUID arc (2.25, ITU-T X.667). The CA's templates never
    /// put it in a device certificate, so a device certificate from the same CA is not a member's certificate.
    /// </summary>
    public const string ClusterMemberEku = "2.25.339549021530455406649571349993969551571";

    /// <summary>The URI SAN of a member's certificate: this prefix, then <see cref="ConnectorId"/>.</summary>
    public const string UriPrefix = "urn:certconnector:cluster:";

    /// <summary>
    /// One connector (one shared database with its CA): the CA certificate and the cluster ID kept beside it. Two
    /// databases that imported the same CA still differ by their cluster IDs.
    /// </summary>
    public static string ConnectorId(byte[] caCertificateDer, string clusterId) =>
        Convert.ToHexString(SHA256.HashData([.. SHA256.HashData(caCertificateDer), .. Encoding.UTF8.GetBytes(clusterId)]))[..32].ToLowerInvariant();

    public static string Uri(string connectorId) => UriPrefix + connectorId;
}
