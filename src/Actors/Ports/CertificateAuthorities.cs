using CertConnector.Actors.Common;

namespace CertConnector.Actors.Ports;

/// <summary>
/// One configured CA as the actors see it: the name requests route by, its type (<c>builtin</c>, <c>scep</c>, …), and its
/// ports. <see cref="Revoker"/> is null for a backend that cannot revoke (an upstream SCEP CA).
/// </summary>
/// <param name="CsrChallenges">where the CA's CSR challenge comes from, for a CA that demands one in every CSR (an upstream SCEP CA);
/// null for a CA that demands none.</param>
public sealed record NamedCa(string Name, string Type, ICertificateAuthority Authority, ICertificateRevoker? Revoker, ICaHealthProbe Probe,
    ICsrChallengeSource? CsrChallenges = null)
{
    /// <summary>The type of the CA that runs in this process (<c>src/Adapters/Ca/BuiltIn</c>).</summary>
    public const string BuiltInType = "builtin";

    /// <summary>Routing to any other type is logged with the feature's "third-party CA" event (1032, 3032).</summary>
    public bool IsBuiltIn => string.Equals(Type, BuiltInType, StringComparison.OrdinalIgnoreCase);
}

/// <summary>
/// The CAs configured on this instance, by name (docs/DESIGN.md §4). Names compare ignoring case, as configuration keys do; a request
/// that names no CA (one journaled before CAs had names) goes to <see cref="Default"/>. Pure lookup: the host builds the list.
/// </summary>
public sealed class CertificateAuthorities
{
    /// <summary>The final failure code of a request routed to a CA this instance does not have.</summary>
    public const string UnknownCaCode = "UnknownCa";

    /// <summary>The final failure code of a revocation routed to a CA that cannot revoke.</summary>
    public const string CannotRevokeCode = "CaCannotRevoke";

    /// <summary>The name of the built-in CA when no CA is configured.</summary>
    public const string BuiltInName = "builtin";

    private readonly Dictionary<string, NamedCa> _byName;

    /// <param name="all">every configured CA, in configuration order; names unique ignoring case.</param>
    /// <param name="defaultName">the one a request naming no CA goes to; one of <paramref name="all"/>.</param>
    public CertificateAuthorities(IReadOnlyList<NamedCa> all, string defaultName)
    {
        if (all.Count == 0) throw new ArgumentException("At least one CA is needed.", nameof(all));
        _byName = all.ToDictionary(c => c.Name, StringComparer.OrdinalIgnoreCase);
        All = all;
        Default = _byName.TryGetValue(defaultName, out var d) ? d : throw new ArgumentException($"The default CA '{defaultName}' is not in the list.", nameof(defaultName));
    }

    /// <summary>One CA, the built-in one named <see cref="BuiltInName"/>: what an instance with no CA setting has.</summary>
    public static CertificateAuthorities Single(ICertificateAuthority authority, ICertificateRevoker? revoker = null, ICaHealthProbe? probe = null) =>
        new([new NamedCa(BuiltInName, NamedCa.BuiltInType, authority, revoker ?? authority as ICertificateRevoker, probe ?? new NoProbe())], BuiltInName);

    public IReadOnlyList<NamedCa> All { get; }

    public NamedCa Default { get; }

    /// <summary>The CA of type <c>builtin</c>, if one is configured: the CA of every issued-store row that names none.</summary>
    public NamedCa? BuiltIn => All.FirstOrDefault(c => c.IsBuiltIn);

    /// <summary>The CA <paramref name="name"/> names (the default for none), or null when no such CA is configured.</summary>
    public NamedCa? Find(string? name) =>
        string.IsNullOrWhiteSpace(name) ? Default : _byName.GetValueOrDefault(name.Trim());

    /// <summary>The CA <paramref name="name"/> names (the default for none).</summary>
    /// <exception cref="ConnectorFailureException">final, <see cref="UnknownCaCode"/>: no such CA on this instance.</exception>
    public NamedCa Get(string? name) => Find(name)
        ?? throw ConnectorFailureException.Final(UnknownCaCode, $"No CA named '{name}' is configured on this instance (configured: {string.Join(", ", All.Select(c => c.Name))}).");

    /// <summary>The revoker of the CA <paramref name="name"/> names.</summary>
    /// <exception cref="ConnectorFailureException">final: no such CA, or it cannot revoke.</exception>
    public ICertificateRevoker RevokerOf(string? name)
    {
        var ca = Get(name);
        return ca.Revoker ?? throw ConnectorFailureException.Final(CannotRevokeCode, $"The CA '{ca.Name}' (type {ca.Type}) cannot revoke certificates; revoke at the CA itself.");
    }

    private sealed class NoProbe : ICaHealthProbe
    {
        public Task<CaHealth> ProbeAsync(CancellationToken cancellationToken) => Task.FromResult(new CaHealth(true, null, null));
    }
}

/// <summary>
/// A challenge password a CA demands inside each CSR (an upstream SCEP CA: a static one, or NDES's one-time challenge). The CSR's
/// own key must sign it, so the connector asks for it before it makes the key and CSR. Failures are retryable
/// <c>ConnectorFailureException</c>s; the challenge itself never appears in a message.
/// </summary>
public interface ICsrChallengeSource
{
    /// <summary>A challenge for the next CSR, or null when none is configured.</summary>
    Task<string?> NextAsync(CancellationToken cancellationToken);
}
