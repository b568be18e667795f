using CertConnector.Actors.Ports;
using CertConnector.Host.Configuration;

namespace CertConnector.Host.Ca.Named;

/// <summary>What a CA type's factory builds from one configured CA: the ports the actors call, and a cheap probe for status.</summary>
/// <param name="Revoker">null when the backend cannot revoke (a revocation routed to it fails with a final error).</param>
/// <param name="CsrChallenges">the challenge the CA demands inside each CSR, if it demands one (an upstream SCEP CA).</param>
public sealed record CaBackend(ICertificateAuthority Authority, ICertificateRevoker? Revoker, ICaHealthProbe Probe, ICsrChallengeSource? CsrChallenges = null);

/// <summary>One configured CA as its type's factory sees it: its name, its bound settings, and the host's services (the built-in CA,
/// the clock, the event log, the data directory's paths).</summary>
public sealed record CaBuildContext(string Name, object Settings, IServiceProvider Services);

/// <summary>
/// A kind of CA backend (<c>Connector:Cas:NAME:Type</c>): its name, the settings type its section binds to, and the factory that builds
/// its backend. Adding a backend is one entry in <see cref="CaTypes.All"/>; the binding, the refusals with suggestions, the routing,
/// status and the events come with it (docs/DESIGN.md §4.1).
/// </summary>
public sealed record CaType
{
    /// <summary>The value of <c>Type</c>, e.g. <c>builtin</c> or <c>scep</c> (compared ignoring case).</summary>
    public required string Name { get; init; }

    /// <summary>The type its section binds to (every key under <c>Connector:Cas:NAME</c> but <c>Type</c> must be one of its settable properties).</summary>
    public required Type SettingsType { get; init; }

    /// <summary>A fresh settings object with the type's defaults.</summary>
    public required Func<object> Defaults { get; init; }

    /// <summary>Checks of one CA's bound settings (the CA's name, its settings): throws a <see cref="StartupException"/>.</summary>
    public Action<string, object>? CheckSettings { get; init; }

    /// <summary>
    /// A check that needs the network, run once before anything is created (the CA's name, its settings): throws a
    /// <see cref="StartupException"/> to stop the start, or returns a warning to log (null when all is well).
    /// </summary>
    public Func<string, object, CancellationToken, Task<string?>>? CheckAtStartAsync { get; init; }

    /// <summary>Builds the backend, once, when the host starts.</summary>
    public required Func<CaBuildContext, CaBackend> Create { get; init; }

    /// <summary>A CA type whose settings bind to <typeparamref name="TSettings"/>.</summary>
    public static CaType For<TSettings>(string name, Func<CaBuildContext, TSettings, CaBackend> create, Action<string, TSettings>? check = null)
        where TSettings : class, new() => new()
    {
        Name = name,
        SettingsType = typeof(TSettings),
        Defaults = () => new TSettings(),
        CheckSettings = check is null ? null : (ca, settings) => check(ca, (TSettings)settings),
        Create = context => create(context, (TSettings)context.Settings),
    };
}
