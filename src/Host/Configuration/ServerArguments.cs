using System.Collections;
using System.Reflection;
using CertConnector.Actors.Common;
using CertConnector.Host.Ca.Named;

namespace CertConnector.Host.Configuration;

/// <summary>
/// The connector's own command line (<c>certconnector [run] [options]</c>): a few named switches and
/// <c>--Connector:Section:Key=value</c> overrides. Anything unknown is refused with the nearest valid name
/// before anything is created, so a typo never starts a server that silently ignores it.
/// </summary>
public static class ServerArguments
{
    /// <summary>The connector's own command-line switches that map onto configuration keys (features add theirs, see <see cref="SwitchesOf"/>).</summary>
    private static readonly IReadOnlyDictionary<string, string> OwnSwitches = new Dictionary<string, string>
    {
        ["--data-dir"] = "Connector:DataDir",
        [SettingsFile.Switch] = SettingsFile.Setting,
        ["--admin-url"] = "Connector:AdminUrl",
        ["--hocon"] = "Connector:Hocon",
        ["--instance"] = "Connector:Instance",
        ["--cluster-host"] = "Connector:Cluster:Hostname",
        ["--cluster-port"] = "Connector:Cluster:Port",
        [SeedNodeSwitch] = SeedNodesKey,
    };

    /// <summary>Command-line switches that map onto configuration keys: the connector's own and its features' (e.g. <c>--scep-url</c>).</summary>
    /// <param name="features">the features the program is composed of (default <see cref="Features.ConnectorFeatures.All"/>).</param>
    public static IReadOnlyDictionary<string, string> SwitchesOf(IReadOnlyList<Features.ConnectorFeature>? features = null)
    {
        var switches = new Dictionary<string, string>(OwnSwitches);
        foreach (var use in (features ?? Features.ConnectorFeatures.All).Select(f => f.DeviceListener).OfType<Features.DeviceListenerUse>())
            switches.TryAdd(use.Switch, use.Setting); // features sharing the listener may share its switch
        return switches;
    }

    /// <summary>Repeatable (or comma-separated): each occurrence adds a seed node, <c>Connector:Cluster:SeedNodes:0</c>, <c>:1</c>, ...</summary>
    public const string SeedNodeSwitch = "--seed-node";
    private const string SeedNodesKey = "Connector:Cluster:SeedNodes";

    private const string KeyPrefix = "--" + ConnectorOptions.Section + ":";

    /// <summary>Turns the arguments into configuration overrides; throws a usage <see cref="StartupException"/>.</summary>
    /// <param name="features">the features the program is composed of (default <see cref="Features.ConnectorFeatures.All"/>): their settings are suggested too.</param>
    public static IReadOnlyDictionary<string, string?> Parse(IReadOnlyList<string> args, IReadOnlyList<Features.ConnectorFeature>? features = null)
    {
        features ??= Features.ConnectorFeatures.All;
        var switches = SwitchesOf(features);
        var overrides = new Dictionary<string, string?>(StringComparer.OrdinalIgnoreCase);
        var seedNodes = 0;
        for (var i = 0; i < args.Count; i++)
        {
            var arg = args[i];
            var (name, inlineValue) = arg.IndexOf('=') is var eq and > 0 ? (arg[..eq], arg[(eq + 1)..]) : (arg, null);
            string key;
            if (switches.TryGetValue(name, out var mapped)) key = mapped;
            else if (name.StartsWith(KeyPrefix, StringComparison.OrdinalIgnoreCase) && name.Length > KeyPrefix.Length) key = name[2..];
            else if (name.StartsWith('-'))
                throw StartupException.Usage($"Unknown option '{name}'.{NearestName.Suggestion(name, [.. switches.Keys, .. SettingNames(features).Select(s => "--" + s)])}" +
                                             " Settings are given as --Connector:Section:Key=value; 'certconnector --help' lists the options.");
            else
                throw StartupException.Usage($"Unexpected argument '{arg}'. 'certconnector --help' lists the commands and options.");

            // Every user of the machine can read a process's command line: the PIN must come from the environment or a file.
            if (key.Equals(Ca.CaKeyStore.PinSetting, StringComparison.OrdinalIgnoreCase))
                throw StartupException.Usage($"{Ca.CaKeyStore.PinSetting} is refused on the command line, where other users can read it: " +
                                             "set CERTCONNECTOR_Connector__Ca__Pkcs11__Pin in the environment or Connector:Ca:Pkcs11:PinFile instead.");
            var value = inlineValue;
            if (value is null)
            {
                if (i + 1 >= args.Count || args[i + 1].StartsWith("--", StringComparison.Ordinal))
                    throw StartupException.Usage($"Option '{name}' needs a value, e.g. {name} {Example(key, features)}.");
                value = args[++i];
            }
            if (key == SeedNodesKey)
            {
                foreach (var seed in value.Split(',', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries))
                    overrides[$"{SeedNodesKey}:{seedNodes++}"] = seed;
                continue;
            }
            overrides[key] = value;
        }
        return overrides;
    }

    /// <summary>
    /// Every key under <c>Connector</c>, from any source (command line, CERTCONNECTOR_ environment variables,
    /// appsettings.json), must name a setting; then the values must bind. Throws a <see cref="StartupException"/>.
    /// </summary>
    /// <param name="features">the features the program is composed of (default <see cref="Features.ConnectorFeatures.All"/>); each checks its settings.</param>
    /// <param name="caTypes">the CA types the program can build (default <see cref="CaTypes.All"/>): <c>Connector:Cas</c> is checked against them.</param>
    public static ConnectorOptions Bind(IConfiguration configuration, IReadOnlyList<Features.ConnectorFeature>? features = null, IReadOnlyList<CaType>? caTypes = null)
    {
        features ??= Features.ConnectorFeatures.All;
        caTypes ??= CaTypes.All;
        var section = configuration.GetSection(ConnectorOptions.Section);
        CheckKeys(section, features, caTypes);
        var options = Bound(section, () => section.Get<ConnectorOptions>() ?? new ConnectorOptions()).WithFeatures(features);
        foreach (var feature in features)
            options.SetFeature(feature, Bound(section, () =>
            {
                var settings = feature.Settings.Defaults();
                section.GetSection(feature.Settings.Section).Bind(settings);
                return settings;
            }));
        CheckPositive(options, ConnectorOptions.Section);
        foreach (var feature in features) CheckPositive(options.Feature(feature), $"{ConnectorOptions.Section}:{feature.Settings.Section}");
        // Scripts may give the PostgreSQL connection string as CERTCONNECTOR_PG; the setting wins when both are set.
        if (string.IsNullOrWhiteSpace(options.Database.ConnectionString)
            && Environment.GetEnvironmentVariable(DatabaseSettings.ConnectionStringVariable) is { Length: > 0 } pg)
            options.Database.ConnectionString = pg;
        options.Database.ConnectionString = DatabaseSettings.WithDefaultPoolSize(options.Database.ConnectionString);
        options.SetNamedCas(CaSettings.Bind(section, caTypes)); // before the features' checks: a feature's settings may name a CA
        foreach (var feature in options.Features) feature.CheckSettings?.Invoke(options);
        if (!KeySpec.TryParse(options.Ca.KeySpec, out _))
            throw new StartupException($"Connector:Ca:KeySpec '{options.Ca.KeySpec}' is not supported. Supported: {string.Join(", ", KeySpec.Supported)}.");
        if (!KeySpec.TryParse(options.Ca.OcspKeySpec, out _))
            throw new StartupException($"Connector:Ca:OcspKeySpec '{options.Ca.OcspKeySpec}' is not supported. Supported: {string.Join(", ", KeySpec.Supported)}.");
        Ca.CaKeyStore.Check(options.Ca);
        return options;
    }

    /// <summary>Binds with <paramref name="bind"/>; a value that does not convert is a <see cref="StartupException"/> naming it.</summary>
    /// <param name="section">the <c>Connector</c> section (the bad value is looked up in it).</param>
    internal static T Bound<T>(IConfigurationSection section, Func<T> bind)
    {
        try
        {
            return bind();
        }
        catch (InvalidOperationException e)
        {
            // "Failed to convert configuration value at 'Connector:Scep:Enabled' to type 'System.Boolean'."
            throw new StartupException($"{e.Message.TrimEnd('.')}: '{BadValue(section, e)}' is not a valid value. Fix the setting (command line, CERTCONNECTOR_ environment variable, the --settings file or appsettings.json).");
        }
    }

    /// <summary>Every count, size and duration setting must be above zero: a zero poll interval or batch size is never what was meant.</summary>
    internal static void CheckPositive(object options, string path)
    {
        foreach (var property in Settable(options.GetType()))
        {
            var value = property.GetValue(options);
            var name = $"{path}:{property.Name}";
            var bad = value switch
            {
                int n => n <= 0,
                long n => n <= 0,
                double n => !(n > 0),
                TimeSpan t => t <= TimeSpan.Zero,
                _ => false,
            };
            if (bad) throw new StartupException($"{name} must be greater than zero (it is {value}).");
            if (value is not null && !IsLeaf(property.PropertyType)) CheckPositive(value, name);
        }
    }

    /// <summary>All setting names, e.g. <c>Connector:Scep:ListenUrl</c>: the connector's own and its features' sections.</summary>
    /// <param name="features">the features the program is composed of (default <see cref="Features.ConnectorFeatures.All"/>).</param>
    public static IEnumerable<string> SettingNames(IReadOnlyList<Features.ConnectorFeature>? features = null) =>
        Sections(features ?? Features.ConnectorFeatures.All).SelectMany(s => SettingNames(s.Type, s.Path));

    /// <summary>The sections under <c>Connector</c> that hold settings: the connector itself (its own sections are its properties) and each feature's.</summary>
    private static IEnumerable<(string Path, Type Type)> Sections(IReadOnlyList<Features.ConnectorFeature> features) =>
        [(ConnectorOptions.Section, typeof(ConnectorOptions)),
         .. features.Select(f => ($"{ConnectorOptions.Section}:{f.Settings.Section}", f.Settings.OptionsType))];

    /// <summary>The setting names of an options type under <paramref name="prefix"/>, e.g. a CA type's under <c>Connector:Cas:NAME</c>.</summary>
    public static IEnumerable<string> SettingNamesOf(Type type, string prefix) =>
        Settable(type).SelectMany(p => IsLeaf(p.PropertyType) ? [$"{prefix}:{p.Name}"] : SettingNamesOf(p.PropertyType, $"{prefix}:{p.Name}"));

    private static IEnumerable<string> SettingNames(Type type, string prefix) => SettingNamesOf(type, prefix);

    private static void CheckKeys(IConfigurationSection section, IReadOnlyList<Features.ConnectorFeature> features, IReadOnlyList<CaType> caTypes)
    {
        var names = SettingNames(features).Concat(CaSettings.SettingNames(caTypes)).ToList();
        foreach (var child in section.GetChildren())
        {
            if (child.Key.Equals(CaSettings.Section, StringComparison.OrdinalIgnoreCase))
                continue; // named CAs: checked against their types when bound (CaSettings.Bind)
            if (features.FirstOrDefault(f => f.Settings.Section.Equals(child.Key, StringComparison.OrdinalIgnoreCase)) is { } feature)
                CheckKeys(child, feature.Settings.OptionsType, $"{ConnectorOptions.Section}:{feature.Settings.Section}", names);
            else
                CheckKey(child, typeof(ConnectorOptions), ConnectorOptions.Section, names);
        }
    }

    private static void CheckKeys(IConfigurationSection section, Type type, string path, IReadOnlyList<string> names)
    {
        foreach (var child in section.GetChildren()) CheckKey(child, type, path, names);
    }

    /// <summary>The key of <paramref name="child"/> must name a setting of <paramref name="type"/> (and so must every key under it).</summary>
    /// <param name="what">said after the setting's name when it is unknown, e.g. which CA type was checked.</param>
    internal static void CheckKey(IConfigurationSection child, Type type, string path, IReadOnlyList<string> names, string what = "")
    {
        var property = Settable(type).FirstOrDefault(p => p.Name.Equals(child.Key, StringComparison.OrdinalIgnoreCase));
        if (property is null)
        {
            var typed = $"{path}:{child.Key}";
            throw StartupException.Usage($"Unknown setting '{typed}'{what}.{NearestName.Suggestion(typed, names)}");
        }
        if (!IsLeaf(property.PropertyType) && !IsCollection(property.PropertyType))
            CheckKeys(child, property.PropertyType, $"{path}:{property.Name}", names);
    }

    private static IEnumerable<PropertyInfo> Settable(Type type) =>
        type.GetProperties(BindingFlags.Public | BindingFlags.Instance).Where(p => p.CanWrite && p.SetMethod!.IsPublic);

    private static bool IsLeaf(Type type)
    {
        var t = Nullable.GetUnderlyingType(type) ?? type;
        return t.IsPrimitive || t.IsEnum || t == typeof(string) || t == typeof(decimal) || t == typeof(TimeSpan) || t == typeof(Uri)
               || t == typeof(DateTimeOffset) || t == typeof(DateTime) || IsCollection(t);
    }

    private static bool IsCollection(Type type) => type != typeof(string) && typeof(IEnumerable).IsAssignableFrom(type);

    private static string? BadValue(IConfigurationSection section, InvalidOperationException e) =>
        System.Text.RegularExpressions.Regex.Match(e.Message, $"'{ConnectorOptions.Section}:([^']+)'") is { Success: true } m ? section[m.Groups[1].Value] : null;

    private static string Example(string key, IReadOnlyList<Features.ConnectorFeature> features) => key switch
    {
        "Connector:DataDir" => "/var/lib/certconnector",
        SettingsFile.Setting => "/etc/certconnector/certconnector.json",
        "Connector:AdminUrl" => "http://127.0.0.1:5080",
        _ when features.Select(f => f.DeviceListener).FirstOrDefault(d => d?.Setting == key) is { } device => device.Example,
        "Connector:Cluster:Hostname" => "10.0.0.5",
        "Connector:Cluster:Port" => "4053",
        SeedNodesKey => "akka.tcp://certconnector@10.0.0.5:4053",
        _ => "VALUE",
    };
}
