using System.Formats.Asn1;
using System.Security.Cryptography.X509Certificates;

namespace CertConnector.Adapters.Ca.BuiltIn;

/// <summary>
/// Whether a remoting peer (a node connecting to this one, or the node this one connects to) is one of ours: both sides
/// of every TLS handshake ask, so a refused peer hears nothing and each side can say why it refused.
/// </summary>
public static class RemotingPeerCheck
{
    /// <returns>Null when the peer is accepted; else why not, in words for the log.</returns>
    public static string? Refusal(X509Certificate2? peer, RemotingCredentials own, DateTimeOffset now)
    {
        if (peer is null) return "it presented no certificate";
        if (own.TrustAnchor is null || own.ConnectorId is null)
            // The single node talks to itself only: its own certificate, byte for byte, and nothing else.
            return peer.RawDataMemory.Span.SequenceEqual(own.Certificate.RawDataMemory.Span)
                ? null
                : $"its certificate ({peer.Subject}, thumbprint {peer.Thumbprint}) is not this node's own remoting certificate";

        var identities = UriNames(peer).Where(u => u.StartsWith(ClusterTlsIdentity.UriPrefix, StringComparison.Ordinal)).ToList();
        using (var chain = new X509Chain())
        {
            chain.ChainPolicy.TrustMode = X509ChainTrustMode.CustomRootTrust;
            chain.ChainPolicy.CustomTrustStore.Add(own.TrustAnchor);
            chain.ChainPolicy.RevocationMode = X509RevocationMode.NoCheck; // members are never revoked: their certificates die with the process
            chain.ChainPolicy.VerificationTime = now.UtcDateTime;
            var built = chain.Build(peer);
            var statuses = chain.ChainStatus.Aggregate(X509ChainStatusFlags.NoError, (all, s) => all | s.Status);
            var anchoredHere = chain.ChainElements.Count > 0 && chain.ChainElements[^1].Certificate.RawDataMemory.Span.SequenceEqual(own.TrustAnchor.RawDataMemory.Span);
            if (!anchoredHere || (statuses & (X509ChainStatusFlags.UntrustedRoot | X509ChainStatusFlags.PartialChain | X509ChainStatusFlags.NotSignatureValid)) != 0)
                return $"its certificate ({peer.Subject}) was not issued by this connector's CA (issuer {peer.Issuer})" +
                       (identities.Count > 0 ? $": it is a member certificate of another connector ({string.Join(", ", identities)})" : "");
            if ((statuses & X509ChainStatusFlags.NotTimeValid) != 0)
                return $"its certificate ({peer.Subject}) is outside its validity ({peer.NotBefore.ToUniversalTime():u} to {peer.NotAfter.ToUniversalTime():u}): expired, so that node must restart to get a new one";
            if (!built)
                return $"its certificate ({peer.Subject}) does not chain to this connector's CA ({statuses})";
        }
        if (!HasClusterMemberMarker(peer))
            return $"its certificate ({peer.Subject}, serial {peer.SerialNumber}) is from this connector's CA but is not a cluster-member certificate";
        var expected = ClusterTlsIdentity.Uri(own.ConnectorId);
        if (!identities.Contains(expected))
            return $"its certificate names another connector ({(identities.Count == 0 ? "no identity" : string.Join(", ", identities))}; this one is {expected})";
        return null;
    }

    private static bool HasClusterMemberMarker(X509Certificate2 certificate) =>
        certificate.Extensions.OfType<X509EnhancedKeyUsageExtension>()
            .Any(e => e.EnhancedKeyUsages.Cast<System.Security.Cryptography.Oid>().Any(o => o.Value == ClusterTlsIdentity.ClusterMemberEku));

    /// <summary>The URI entries of the subject alternative names (GeneralName [6] IA5String).</summary>
    private static IEnumerable<string> UriNames(X509Certificate2 certificate)
    {
        var san = certificate.Extensions["2.5.29.17"];
        if (san is null) return [];
        var names = new List<string>();
        try
        {
            var sequence = new AsnReader(san.RawData, AsnEncodingRules.DER).ReadSequence();
            var uriTag = new Asn1Tag(TagClass.ContextSpecific, 6);
            while (sequence.HasData)
            {
                if (sequence.PeekTag() == uriTag) names.Add(sequence.ReadCharacterString(UniversalTagNumber.IA5String, uriTag));
                else sequence.ReadEncodedValue();
            }
        }
        catch (AsnContentException)
        {
            return []; // a malformed SAN names nobody
        }
        return names;
    }
}
