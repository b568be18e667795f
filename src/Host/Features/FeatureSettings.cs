using System.Reflection;

namespace CertConnector.Host.Features;

/// <summary>
/// A feature's settings section, <c>Connector:SECTION</c>, bound into an options object of its own type. The section belongs to the
/// feature, so the central settings class names no feature: the feature's code reads it as <c>options.Feature&lt;TOptions&gt;()</c>.
/// </summary>
public sealed class FeatureSettings
{
    /// <summary>The section <c>Connector:<paramref name="section"/></c>, bound to <typeparamref name="TOptions"/>.</summary>
    public static FeatureSettings For<TOptions>(string section) where TOptions : class, new() =>
        new(section, typeof(TOptions), () => new TOptions());

    private readonly PropertyInfo? _enabled;
    private readonly Func<object> _defaults;

    private FeatureSettings(string section, Type optionsType, Func<object> defaults)
    {
        ArgumentException.ThrowIfNullOrWhiteSpace(section);
        Section = section;
        OptionsType = optionsType;
        _defaults = defaults;
        _enabled = optionsType.GetProperty("Enabled", BindingFlags.Public | BindingFlags.Instance) is { PropertyType: var t } p && t == typeof(bool) ? p : null;
    }

    /// <summary>The section's name under <c>Connector</c>, e.g. <c>Pkcs</c>.</summary>
    public string Section { get; }

    /// <summary>The type the section binds to, e.g. <c>PkcsOptions</c>; one feature's per program.</summary>
    public Type OptionsType { get; }

    /// <summary>The section with nothing set: the type's defaults.</summary>
    public object Defaults() => _defaults();

    /// <summary>The section's <c>Enabled</c>; a section without one is always on.</summary>
    public bool IsEnabled(object options) => _enabled is null || (bool)_enabled.GetValue(options)!;
}
