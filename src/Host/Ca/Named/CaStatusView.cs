using CertConnector.Actors.Cluster;
using CertConnector.Actors.Ports;

namespace CertConnector.Host.Ca.Named;

/// <summary>One configured CA in <c>status</c>: whether it answered its last call (a probe, an issuance, a revocation) and when.</summary>
/// <param name="Answered">null when nothing has called it yet.</param>
/// <param name="Error">why the last call got no answer, or the CA's own refusal.</param>
public sealed record CaStatus(string Name, string Type, bool IsDefault, bool? Answered, DateTimeOffset? LastCallAt, string? Error);

public static class CaStatusView
{
    /// <summary>How long <c>status</c> waits for one CA's probe.</summary>
    public static readonly TimeSpan ProbeTimeout = TimeSpan.FromSeconds(5);

    /// <summary>Probes every CA (at once), then reports each one's last call.</summary>
    public static async Task<IReadOnlyList<CaStatus>> ProbeAllAsync(CertificateAuthorities cas, CaCalls calls, CancellationToken cancellationToken)
    {
        await Task.WhenAll(cas.All.Select(ca => calls.ProbeAsync(ca, ProbeTimeout, cancellationToken))).ConfigureAwait(false);
        return Current(cas, calls);
    }

    /// <summary>Each CA's last call as recorded, without calling any.</summary>
    public static IReadOnlyList<CaStatus> Current(CertificateAuthorities cas, CaCalls calls) =>
    [
        .. cas.All.Select(ca => calls.Last(ca.Name) is { } last
            ? new CaStatus(ca.Name, ca.Type, ReferenceEquals(ca, cas.Default), last.Answered, last.At, last.Error)
            : new CaStatus(ca.Name, ca.Type, ReferenceEquals(ca, cas.Default), null, null, null)),
    ];

    /// <summary>The node's CAs as <c>cluster show</c> gets them from each member (<see cref="NodeInfo"/>).</summary>
    public static IReadOnlyList<NodeCa> OfNode(CertificateAuthorities cas, CaCalls calls) =>
        [.. Current(cas, calls).Select(c => new NodeCa(c.Name, c.Type, c.IsDefault, c.Answered, c.Error))];

    /// <summary>
    /// Every member with one feature's role must see the same CAs (names and types), since any of them may take a request for any CA:
    /// a warning per feature whose members differ. Members that did not answer, or answered without a CA list (an older version), are
    /// not judged.
    /// </summary>
    /// <param name="members">each member's address, feature roles and CAs (null: not known).</param>
    public static IReadOnlyList<string> ClusterWarnings(IReadOnlyList<(string Address, IReadOnlyCollection<string> Roles, IReadOnlyList<NodeCa>? Cas)> members)
    {
        var warnings = new List<string>();
        foreach (var role in members.SelectMany(m => m.Roles).Distinct().Order(StringComparer.Ordinal))
        {
            var lists = members.Where(m => m.Cas is not null && m.Roles.Contains(role))
                .GroupBy(m => string.Join(", ", m.Cas!.Select(c => $"{c.Name} ({c.Type})").Order(StringComparer.OrdinalIgnoreCase)), StringComparer.OrdinalIgnoreCase)
                .OrderBy(g => g.Key, StringComparer.Ordinal).ToList();
            if (lists.Count > 1)
                warnings.Add($"Instances with the {role} role see different CAs: {string.Join("; ", lists.Select(g => $"[{g.Key}] on {string.Join(", ", g.Select(m => m.Address))}"))}.");
        }
        return warnings;
    }

    /// <summary>A warning per CA that did not answer its last call.</summary>
    public static IEnumerable<string> Warnings(IEnumerable<CaStatus> cas) =>
        cas.Where(c => c.Answered == false).Select(c => $"The CA '{c.Name}' ({c.Type}) did not answer its last call: {c.Error}");
}
