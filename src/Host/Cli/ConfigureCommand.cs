using System.CommandLine;
using System.Diagnostics;
using System.Text;
using System.Text.Json;
using System.Text.Json.Nodes;
using CertConnector.Host.Configuration;
using CertConnector.Host.Features;

namespace CertConnector.Host.Cli;

/// <summary>
/// <c>certconnector configure</c>: changes what an installed instance does. The change is made to a copy of its settings file,
/// checked with the same start-up checks the connector runs, and only then written (secrets to the secrets file, read from
/// standard input, never from the command line); the running instance is then asked to restart gracefully
/// (<c>POST /api/v1/restart</c>). A refused change writes nothing and restarts nothing.
/// </summary>
public static class ConfigureCommand
{
    /// <summary>Where the Debian package keeps them.</summary>
    public const string PackageSettings = "/etc/certconnector/certconnector.json";
    public const string PackageSecrets = "/etc/certconnector/secrets.env";
    private const string EnvironmentPrefix = "CERTCONNECTOR_";

    public static Command Build(IReadOnlyList<ConnectorFeature> features)
    {
        var names = features.Select(f => f.Name).ToArray();
        var settings = new Option<string?>("--settings") { Description = $"The instance's JSON settings file (default {PackageSettings} when it exists)" };
        var secrets = new Option<string?>("--secrets") { Description = $"Its secrets file, VARIABLE=value lines, mode 0600 (default {PackageSecrets})" };
        var enable = new Option<string[]>("--enable") { Description = $"Run this feature here ({string.Join(", ", names)})", AllowMultipleArgumentsPerToken = false };
        var disable = new Option<string[]>("--disable") { Description = "Stop running this feature here" };
        enable.AcceptOnlyFromAmong(names);
        disable.AcceptOnlyFromAmong(names);
        var set = new Option<string[]>("--set") { Description = "A setting, Connector:Section:Key=value (e.g. Connector:Cas:Default=corp)" };
        var unset = new Option<string[]>("--unset") { Description = "Remove a setting from the file (its default, or the environment's, applies)" };
        var proxy = new Option<string?>("--proxy") { Description = "The outbound proxy to the management service and the release feed (Connector:Service:Proxy); \"\" removes it" };
        var secret = new Option<string[]>("--secret") { Description = "A secret setting (e.g. Connector:Service:ClientSecret), its value read from standard input, one line per --secret" };
        var noRestart = new Option<bool>("--no-restart") { Description = "Write the settings but do not restart the instance" };
        var configure = new Command("configure", "Change an installed instance's settings (features, CAs, proxy, service credentials), check them as a start would, write them, restart it gracefully")
            { settings, secrets, enable, disable, set, unset, proxy, secret, noRestart };
        configure.SetAction(CliApp.Call(async (parse, client, ct) =>
        {
            var file = parse.GetValue(settings) ?? (File.Exists(PackageSettings) ? PackageSettings : throw new CliException(
                $"Give --settings FILE: the settings file the instance starts with (its --settings); {PackageSettings} does not exist.", exitCode: 2));
            var changes = new List<(string Key, string? Value)>();
            foreach (var name in parse.GetValue(enable) ?? []) changes.Add((EnabledKey(features, name), "true"));
            foreach (var name in parse.GetValue(disable) ?? []) changes.Add((EnabledKey(features, name), "false"));
            foreach (var pair in parse.GetValue(set) ?? []) changes.Add(SettingOf(pair));
            foreach (var key in parse.GetValue(unset) ?? []) changes.Add((Key(key), null));
            if (parse.GetValue(proxy) is { } p) changes.Add(("Connector:Service:Proxy", p.Length == 0 ? null : p));
            var secretValues = ReadSecrets(parse.GetValue(secret) ?? []);
            var settingsJson = Load(file);
            if (changes.Count == 0 && secretValues.Count == 0 && !Console.IsInputRedirected && !Console.IsOutputRedirected)
            {
                if (!ConfigurePrompts.Ask(features, settingsJson, changes, secretValues)) return 0;
            }
            if (changes.Count == 0 && secretValues.Count == 0) throw new CliException("Nothing to change: give --enable, --disable, --set, --unset, --proxy or --secret (or run it on a terminal to be asked).", exitCode: 2);

            foreach (var (key, value) in changes) Apply(settingsJson, key, value);
            var secretsFile = parse.GetValue(secrets) ?? PackageSecrets;
            Check(settingsJson, secretValues);

            Write(file, settingsJson.ToJsonString(new JsonSerializerOptions { WriteIndented = true }) + "\n", UnixFileMode.UserRead | UnixFileMode.UserWrite | UnixFileMode.GroupRead);
            if (secretValues.Count > 0) WriteSecrets(secretsFile, secretValues);
            Console.WriteLine($"Wrote {file}{(secretValues.Count > 0 ? $" and {secretsFile}" : "")}: {string.Join(", ", changes.Select(c => c.Value is null ? $"{c.Key} removed" : $"{c.Key}={c.Value}").Concat(secretValues.Keys.Select(k => $"{k} (secret)")))}.");
            if (parse.GetValue(noRestart))
            {
                Console.WriteLine("Not restarted (--no-restart): the instance uses the new settings from its next start.");
                return 0;
            }
            await client.SendAsync(HttpMethod.Post, "/api/v1/restart", new { reason = "certconnector configure changed " + string.Join(", ", changes.Select(c => c.Key).Concat(secretValues.Keys)) }, ct);
            Console.WriteLine($"Restarting: the instance leaves the cluster gracefully and exits with 75; systemd starts it again with the new settings (without a service manager, start it again yourself).");
            return 0;
        }));
        return configure;
    }

    internal static string EnabledKey(IReadOnlyList<ConnectorFeature> features, string name) =>
        $"{ConnectorOptions.Section}:{features.Single(f => f.Name == name).Settings.Section}:Enabled";

    private static (string, string?) SettingOf(string pair)
    {
        var at = pair.IndexOf('=');
        if (at <= 0) throw new CliException($"--set takes Connector:Section:Key=value, not '{pair.Split('=')[0]}'.", exitCode: 2);
        var key = Key(pair[..at]);
        // A value on the command line is in the process list and the shell's history: secrets go through --secret.
        if (SecretWords.Any(w => key.Split(':')[^1].EndsWith(w, StringComparison.OrdinalIgnoreCase)))
            throw new CliException($"{key} is a secret: give it with --secret {key} and its value on standard input, not on the command line.", exitCode: 2);
        return (key, pair[(at + 1)..]);
    }

    private static readonly string[] SecretWords = ["Secret", "Password", "Passphrase", "Pin", "ConnectionString", "Token", "Challenge"];

    private static string Key(string key)
    {
        key = key.Trim().Replace("__", ":");
        if (!key.StartsWith(ConnectorOptions.Section + ":", StringComparison.OrdinalIgnoreCase) || key.Split(':').Any(p => p.Length == 0))
            throw new CliException($"'{key}' is not a setting name: they start with {ConnectorOptions.Section}: (e.g. Connector:Scep:Enabled).", exitCode: 2);
        if (key.Equals(SettingsFile.Setting, StringComparison.OrdinalIgnoreCase))
            throw new CliException($"{SettingsFile.Setting} names this file; it cannot be set inside it.", exitCode: 2);
        return key;
    }

    /// <summary>One line of standard input per secret, in the order given: the values never appear on a command line or in the process list.</summary>
    private static Dictionary<string, string> ReadSecrets(string[] keys)
    {
        var values = new Dictionary<string, string>(StringComparer.Ordinal);
        foreach (var key in keys.Select(Key))
        {
            var line = Console.In.ReadLine();
            if (string.IsNullOrEmpty(line)) throw new CliException($"No value for the secret {key} on standard input (one line per --secret).", exitCode: 2);
            if (line.Contains('\0')) throw new CliException($"The value for {key} holds a NUL character.", exitCode: 2);
            values[SecretVariable(key)] = line;
        }
        return values;
    }

    private static JsonObject Load(string file)
    {
        try
        {
            return JsonNode.Parse(File.ReadAllText(file), documentOptions: new JsonDocumentOptions { CommentHandling = JsonCommentHandling.Skip, AllowTrailingCommas = true }) as JsonObject
                   ?? throw new CliException($"{file} is not a JSON object of settings.");
        }
        catch (JsonException e)
        {
            throw new CliException($"{file} is not valid JSON ({e.Message.Split('\n')[0]}): fix it first; nothing was changed."); // never its content: it may hold secrets
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException)
        {
            throw new CliException($"Cannot read {file}: {e.Message}");
        }
    }

    /// <summary>Sets (or, for null, removes) a nested key; JSON configuration keys are matched ignoring case, as the configuration does.</summary>
    private static void Apply(JsonObject root, string key, string? value)
    {
        var parts = key.Split(':');
        var node = root;
        for (var i = 0; i < parts.Length - 1; i++)
        {
            var existing = node.FirstOrDefault(p => p.Key.Equals(parts[i], StringComparison.OrdinalIgnoreCase));
            if (existing.Value is JsonObject child) node = child;
            else
            {
                if (value is null) return;
                if (existing.Key is not null) node.Remove(existing.Key);
                node[parts[i]] = node = new JsonObject();
            }
        }
        var leaf = node.FirstOrDefault(p => p.Key.Equals(parts[^1], StringComparison.OrdinalIgnoreCase)).Key;
        if (leaf is not null) node.Remove(leaf);
        if (value is not null) node[parts[^1]] = value;
    }

    /// <summary>The settings as the connector would bind them from <paramref name="settings"/> and this environment.</summary>
    internal static ConnectorOptions Bind(JsonObject settings, IReadOnlyDictionary<string, string>? secrets = null) =>
        ServerArguments.Bind(new ConfigurationBuilder()
            .AddJsonStream(new MemoryStream(Encoding.UTF8.GetBytes(settings.ToJsonString())))
            .AddEnvironmentVariables(EnvironmentPrefix)
            .AddInMemoryCollection((secrets ?? new Dictionary<string, string>()).ToDictionary(s => s.Key[EnvironmentPrefix.Length..].Replace("__", ":"), s => (string?)s.Value))
            .Build());

    /// <summary>A secret's variable in the secrets file (CERTCONNECTOR_Connector__Service__ClientSecret).</summary>
    internal static string SecretVariable(string key) => EnvironmentPrefix + key.Replace(":", "__");

    /// <summary>The new file, with this environment and the new secrets, through the start-up checks: a refused setting stops here.</summary>
    private static void Check(JsonObject settings, IReadOnlyDictionary<string, string> secrets)
    {
        try
        {
            StartupChecks.CheckSettings(Bind(settings, secrets));
        }
        catch (StartupException e)
        {
            throw new CliException($"Refused, nothing written: {e.Message}", exitCode: e.ExitCode);
        }
    }

    /// <summary>Secrets as VARIABLE=value lines: a line of the same variable is replaced, the others kept; mode 0600.</summary>
    private static void WriteSecrets(string file, IReadOnlyDictionary<string, string> values)
    {
        var lines = File.Exists(file) ? File.ReadAllLines(file).ToList() : [];
        foreach (var (name, value) in values)
        {
            lines.RemoveAll(l => l.TrimStart().StartsWith(name + "=", StringComparison.Ordinal));
            lines.Add($"{name}={value}");
        }
        Write(file, string.Join("\n", lines) + "\n", UnixFileMode.UserRead | UnixFileMode.UserWrite);
    }

    /// <summary>
    /// Whole or not at all: a new file beside the old one, with its mode (and, as root, its owner and group, e.g. root:certconnector), renamed
    /// over it. The instance reads the file only at start, so it never sees half of it.
    /// </summary>
    private static void Write(string file, string content, UnixFileMode newFileMode)
    {
        var full = Path.GetFullPath(file);
        var next = full + ".new";
        File.WriteAllText(next, content, new UTF8Encoding(false));
        if (!OperatingSystem.IsWindows())
        {
            File.SetUnixFileMode(next, File.Exists(full) ? File.GetUnixFileMode(full) : newFileMode);
            if (File.Exists(full) && Environment.UserName == "root") CopyOwner(full, next);
        }
        File.Move(next, full, overwrite: true);
    }

    private static void CopyOwner(string from, string to)
    {
        using var chown = Process.Start(new ProcessStartInfo("chown", ["--reference=" + from, to]) { UseShellExecute = false, RedirectStandardError = true })!;
        var error = chown.StandardError.ReadToEnd();
        chown.WaitForExit();
        if (chown.ExitCode != 0) throw new CliException($"Cannot give {to} the owner of {from}: {error.Trim()}");
    }
}
