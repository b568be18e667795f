using System.Text.RegularExpressions;
using CertConnector.Actors.Ports;
using CertConnector.Host.Configuration;

namespace CertConnector.Host.Ca.Named;

/// <summary>One CA of <c>Connector:Cas</c>: its name, its type and its bound settings.</summary>
public sealed record ConfiguredCa(string Name, CaType Type, object Settings);

/// <summary>
/// The CAs an operator configured (<c>Connector:Cas:NAME:Type</c> plus each type's settings, <c>Connector:Cas:Default</c>), checked
/// completely at start-up: an unknown type, a mistyped setting or a default naming no CA is one line with a suggestion. No CA
/// configured: the built-in one alone, named <c>builtin</c>.
/// </summary>
public sealed partial class CaSettings
{
    public const string Section = "Cas";
    public const string DefaultKey = "Default";
    private const string TypeKey = "Type";
    /// <summary><c>Connector:Cas</c>.</summary>
    public const string Path = ConnectorOptions.Section + ":" + Section;

    public CaSettings(IReadOnlyList<ConfiguredCa> entries, string defaultName, bool configured = true)
    {
        Entries = entries;
        DefaultName = defaultName;
        Configured = configured;
    }

    /// <summary>The built-in CA alone: what an instance without <c>Connector:Cas</c> has.</summary>
    public static CaSettings BuiltInOnly { get; } =
        new([new ConfiguredCa(CertificateAuthorities.BuiltInName, BuiltInCaType.Definition, new BuiltInCaType.NoSettings())], CertificateAuthorities.BuiltInName,
            configured: false);

    /// <summary>
    /// Whether the operator named CAs. Until then the management service's <c>caConfiguration</c>, which it has always sent and the
    /// connector ignored, is still ignored (every request goes to the built-in CA), so an upgrade changes nothing; once CAs are named, it
    /// must name one of them.
    /// </summary>
    public bool Configured { get; }

    /// <summary>In configuration order.</summary>
    public IReadOnlyList<ConfiguredCa> Entries { get; }

    /// <summary>The CA a request that names none goes to (spelled as its entry is).</summary>
    public string DefaultName { get; }

    /// <summary>The names suggested for a mistyped key under <c>Connector</c>.</summary>
    public static IEnumerable<string> SettingNames(IReadOnlyList<CaType> types) =>
        [$"{Path}:{DefaultKey}", $"{Path}:NAME:{TypeKey}", .. types.SelectMany(t => ServerArguments.SettingNamesOf(t.SettingsType, $"{Path}:NAME"))];

    /// <summary>Binds and checks <c>Connector:Cas</c>; throws a <see cref="StartupException"/>.</summary>
    public static CaSettings Bind(IConfigurationSection connector, IReadOnlyList<CaType> types)
    {
        var section = connector.GetSection(Section);
        if (section.Value is not null)
            throw new StartupException($"{Path} takes CAs by name, e.g. {Path}:corp:Type=scep (and {Path}:{DefaultKey}=corp), not a value.");
        var entries = new List<ConfiguredCa>();
        foreach (var child in section.GetChildren().Where(c => !c.Key.Equals(DefaultKey, StringComparison.OrdinalIgnoreCase)))
            entries.Add(BindOne(child, types, connector));
        var configured = entries.Count > 0;
        if (!configured) entries.AddRange(BuiltInOnly.Entries);

        var builtIn = entries.Where(e => e.Type == BuiltInCaType.Definition).Select(e => e.Name).ToList();
        if (builtIn.Count > 1)
            throw new StartupException($"{string.Join(" and ", builtIn.Select(n => $"{Path}:{n}"))} are both of type {NamedCa.BuiltInType}: there is one built-in CA " +
                                       $"(its settings are Connector:Ca:*). Keep one of them.");

        var names = entries.Select(e => e.Name).ToList();
        var defaultName = section[DefaultKey];
        if (string.IsNullOrWhiteSpace(defaultName))
        {
            if (entries.Count > 1)
                throw new StartupException($"Several CAs are configured ({string.Join(", ", names)}): set {Path}:{DefaultKey} to the one requests that name no CA go to.");
            return new CaSettings(entries, entries[0].Name, configured);
        }
        return new CaSettings(entries, Named(entries, $"{Path}:{DefaultKey}", defaultName), configured);
    }

    /// <summary>The configured CA a setting (<paramref name="setting"/>) names, spelled as its entry is; throws a <see cref="StartupException"/> with a suggestion.</summary>
    public string Named(string setting, string name) => Named(Entries, setting, name);

    private static string Named(IReadOnlyList<ConfiguredCa> entries, string setting, string name)
    {
        var names = entries.Select(e => e.Name).ToList();
        return names.FirstOrDefault(n => n.Equals(name.Trim(), StringComparison.OrdinalIgnoreCase))
               ?? throw new StartupException($"{setting} '{name}' names no configured CA.{NearestName.Suggestion(name, names)} Configured: {string.Join(", ", names)}.");
    }

    private static ConfiguredCa BindOne(IConfigurationSection ca, IReadOnlyList<CaType> types, IConfigurationSection connector)
    {
        var path = $"{Path}:{ca.Key}";
        var known = string.Join(", ", types.Select(t => t.Name));
        if (!NamePattern().IsMatch(ca.Key))
            throw new StartupException($"'{ca.Key}' cannot name a CA ({path}): use letters, digits, '.', '-' and '_' (at most 64, starting with a letter or digit).");
        var typeName = ca[TypeKey];
        if (string.IsNullOrWhiteSpace(typeName) && ca.GetChildren().Select(c => c.Key).FirstOrDefault(k => NearestName.Find(k, [TypeKey]) is not null) is { } typo)
            throw StartupException.Usage($"Unknown setting '{path}:{typo}'. Did you mean '{path}:{TypeKey}'?");
        if (string.IsNullOrWhiteSpace(typeName))
            throw new StartupException($"{path}:{TypeKey} is not set: say which kind of CA '{ca.Key}' is ({known}).");
        var type = types.FirstOrDefault(t => t.Name.Equals(typeName.Trim(), StringComparison.OrdinalIgnoreCase))
                   ?? throw new StartupException($"{path}:{TypeKey} '{typeName}' is not a CA type.{NearestName.Suggestion(typeName, types.Select(t => t.Name))} Types: {known}.");

        var settingNames = ServerArguments.SettingNamesOf(type.SettingsType, path).Append($"{path}:{TypeKey}").ToList();
        foreach (var key in ca.GetChildren().Where(c => !c.Key.Equals(TypeKey, StringComparison.OrdinalIgnoreCase)))
            ServerArguments.CheckKey(key, type.SettingsType, path, settingNames, $" (a CA of type {type.Name})");

        var settings = ServerArguments.Bound(connector, () =>
        {
            var bound = type.Defaults();
            ca.Bind(bound);
            return bound;
        });
        ServerArguments.CheckPositive(settings, path);
        type.CheckSettings?.Invoke(ca.Key, settings);
        return new ConfiguredCa(ca.Key, type, settings);
    }

    [GeneratedRegex("^[A-Za-z0-9][A-Za-z0-9._-]{0,63}$")]
    private static partial Regex NamePattern();
}
