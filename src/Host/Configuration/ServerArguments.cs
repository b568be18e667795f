using System.Collections;
using System.Reflection;
using CertConnector.Actors.Common;

namespace CertConnector.Host.Configuration;

/// <summary>
/// The connector's own command line (<c>certconnector [run] [options]</c>): a few named switches and
/// <c>--Connector:Section:Key=value</c> overrides. Anything unknown is refused with the nearest valid name
/// before anything is created, so a typo never starts a server that silently ignores it.
/// </summary>
public static class ServerArguments
{
    /// <summary>Command-line switches that map onto configuration keys.</summary>
    public static readonly IReadOnlyDictionary<string, string> Switches = new Dictionary<string, string>
    {
        ["--data-dir"] = "Connector:DataDir",
        ["--admin-url"] = "Connector:AdminUrl",
        ["--hocon"] = "Connector:Hocon",
        ["--instance"] = "Connector:Instance",
        ["--scep-url"] = "Connector:Scep:ListenUrl",
        ["--cluster-host"] = "Connector:Cluster:Hostname",
        ["--cluster-port"] = "Connector:Cluster:Port",
        [SeedNodeSwitch] = SeedNodesKey,
    };

    /// <summary>Repeatable (or comma-separated): each occurrence adds a seed node, <c>Connector:Cluster:SeedNodes:0</c>, <c>:1</c>, ...</summary>
    public const string SeedNodeSwitch = "--seed-node";
    private const string SeedNodesKey = "Connector:Cluster:SeedNodes";

    private const string KeyPrefix = "--" + ConnectorOptions.Section + ":";

    /// <summary>Turns the arguments into configuration overrides; throws a usage <see cref="StartupException"/>.</summary>
    public static IReadOnlyDictionary<string, string?> Parse(IReadOnlyList<string> args)
    {
        var overrides = new Dictionary<string, string?>(StringComparer.OrdinalIgnoreCase);
        var seedNodes = 0;
        for (var i = 0; i < args.Count; i++)
        {
            var arg = args[i];
            var (name, inlineValue) = arg.IndexOf('=') is var eq and > 0 ? (arg[..eq], arg[(eq + 1)..]) : (arg, null);
            string key;
            if (Switches.TryGetValue(name, out var mapped)) key = mapped;
            else if (name.StartsWith(KeyPrefix, StringComparison.OrdinalIgnoreCase) && name.Length > KeyPrefix.Length) key = name[2..];
            else if (name.StartsWith('-'))
                throw StartupException.Usage($"Unknown option '{name}'.{NearestName.Suggestion(name, [.. Switches.Keys, .. SettingNames().Select(s => "--" + s)])}" +
                                             " Settings are given as --Connector:Section:Key=value; 'certconnector --help' lists the options.");
            else
                throw StartupException.Usage($"Unexpected argument '{arg}'. 'certconnector --help' lists the commands and options.");

            var value = inlineValue;
            if (value is null)
            {
                if (i + 1 >= args.Count || args[i + 1].StartsWith("--", StringComparison.Ordinal))
                    throw StartupException.Usage($"Option '{name}' needs a value, e.g. {name} {Example(key)}.");
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
    public static ConnectorOptions Bind(IConfiguration configuration, IReadOnlyList<Features.ConnectorFeature>? features = null)
    {
        var section = configuration.GetSection(ConnectorOptions.Section);
        CheckKeys(section, typeof(ConnectorOptions), ConnectorOptions.Section);
        ConnectorOptions options;
        try
        {
            options = section.Get<ConnectorOptions>() ?? new ConnectorOptions();
        }
        catch (InvalidOperationException e)
        {
            // "Failed to convert configuration value at 'Connector:Scep:Enabled' to type 'System.Boolean'."
            throw new StartupException($"{e.Message.TrimEnd('.')}: '{BadValue(section, e)}' is not a valid value. Fix the setting (command line, CERTCONNECTOR_ environment variable or appsettings.json).");
        }
        options.WithFeatures(features ?? Features.ConnectorFeatures.All);
        CheckPositive(options, ConnectorOptions.Section);
        // Scripts may give the PostgreSQL connection string as CERTCONNECTOR_PG; the setting wins when both are set.
        if (string.IsNullOrWhiteSpace(options.Database.ConnectionString)
            && Environment.GetEnvironmentVariable(DatabaseSettings.ConnectionStringVariable) is { Length: > 0 } pg)
            options.Database.ConnectionString = pg;
        options.Database.ConnectionString = DatabaseSettings.WithDefaultPoolSize(options.Database.ConnectionString);
        foreach (var feature in options.Features) feature.CheckSettings?.Invoke(options);
        if (!KeySpec.TryParse(options.Ca.KeySpec, out _))
            throw new StartupException($"Connector:Ca:KeySpec '{options.Ca.KeySpec}' is not supported. Supported: {string.Join(", ", KeySpec.Supported)}.");
        return options;
    }

    /// <summary>Every count, size and duration setting must be above zero: a zero poll interval or batch size is never what was meant.</summary>
    private static void CheckPositive(object options, string path)
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

    /// <summary>All setting names, e.g. <c>Connector:Scep:ListenUrl</c>.</summary>
    public static IEnumerable<string> SettingNames() => SettingNames(typeof(ConnectorOptions), ConnectorOptions.Section);

    private static IEnumerable<string> SettingNames(Type type, string prefix) =>
        Settable(type).SelectMany(p => IsLeaf(p.PropertyType) ? [$"{prefix}:{p.Name}"] : SettingNames(p.PropertyType, $"{prefix}:{p.Name}"));

    private static void CheckKeys(IConfigurationSection section, Type type, string path)
    {
        var properties = Settable(type).ToList();
        foreach (var child in section.GetChildren())
        {
            var property = properties.FirstOrDefault(p => p.Name.Equals(child.Key, StringComparison.OrdinalIgnoreCase));
            if (property is null)
            {
                var typed = $"{path}:{child.Key}";
                throw StartupException.Usage($"Unknown setting '{typed}'.{NearestName.Suggestion(typed, SettingNames())}");
            }
            if (!IsLeaf(property.PropertyType) && !IsCollection(property.PropertyType))
                CheckKeys(child, property.PropertyType, $"{path}:{property.Name}");
        }
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

    private static string Example(string key) => key switch
    {
        "Connector:DataDir" => "/var/lib/certconnector",
        "Connector:AdminUrl" => "http://127.0.0.1:5080",
        "Connector:Scep:ListenUrl" => "http://0.0.0.0:8080",
        "Connector:Cluster:Hostname" => "10.0.0.5",
        "Connector:Cluster:Port" => "4053",
        SeedNodesKey => "akka.tcp://certconnector@10.0.0.5:4053",
        _ => "VALUE",
    };
}
