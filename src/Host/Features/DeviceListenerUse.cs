using CertConnector.Host.Configuration;

namespace CertConnector.Host.Features;

/// <summary>
/// A feature's use of the device-facing listener: the one port devices reach, apart from the admin API, which also serves the
/// CA's CRL and OCSP. The feature owns the setting that places the listener; the host opens one listener for every enabled
/// feature that uses it (they must agree on its address), writes each feature's URL into the data directory once bound, and
/// opens none when no enabled feature uses it.
/// </summary>
/// <param name="Setting">the setting that places the listener, e.g. <c>Connector:Scep:ListenUrl</c>.</param>
/// <param name="Switch">its command-line switch, e.g. <c>--scep-url</c>.</param>
/// <param name="Example">an example value for usage messages, e.g. <c>http://0.0.0.0:8080</c>.</param>
/// <param name="Url">reads the setting from the bound options.</param>
/// <param name="Path">the feature's path on the listener, e.g. <c>/scep</c>: logged at start and written to <paramref name="UrlFile"/>.</param>
/// <param name="UrlFile">the data-directory file that holds the feature's URL once bound (port 0 resolved), e.g. <c>scep.url</c>.</param>
public sealed record DeviceListenerUse(string Setting, string Switch, string Example, Func<ConnectorOptions, string> Url, string Path, string UrlFile)
{
    /// <summary>How messages name the setting: <c>--scep-url (Connector:Scep:ListenUrl)</c>.</summary>
    public string Names => $"{Switch} ({Setting})";
}
