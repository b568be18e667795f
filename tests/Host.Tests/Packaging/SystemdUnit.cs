namespace CertConnector.Host.Tests.Packaging;

/// <summary>The <c>[Service]</c> section of a systemd unit file, as much of it as a test needs to run the unit's ExecStart.</summary>
public sealed class SystemdUnit
{
    private readonly Dictionary<string, List<string>> _service = new(StringComparer.Ordinal);

    public static SystemdUnit Parse(string text)
    {
        var unit = new SystemdUnit();
        var section = "";
        foreach (var raw in text.Split('\n'))
        {
            var line = raw.Trim();
            if (line.Length == 0 || line[0] is '#' or ';') continue;
            if (line.StartsWith('[')) { section = line; continue; }
            if (section != "[Service]" || line.IndexOf('=') is not (> 0 and var eq)) continue;
            var key = line[..eq];
            if (!unit._service.TryGetValue(key, out var values)) unit._service[key] = values = [];
            values.Add(line[(eq + 1)..]);
        }
        return unit;
    }

    /// <summary>Every value of a key, in order (Environment=, EnvironmentFile=, ReadWritePaths= may repeat).</summary>
    public IReadOnlyList<string> Values(string key) => _service.TryGetValue(key, out var values) ? values : [];

    /// <summary>The last value (systemd's rule for single-valued keys); throws if the unit does not set it.</summary>
    public string Value(string key) => Values(key).LastOrDefault() ?? throw new KeyNotFoundException($"The unit sets no {key}=.");

    /// <summary>ExecStart split into words (the package's unit quotes nothing).</summary>
    public IReadOnlyList<string> ExecStart => Value("ExecStart").Split(' ', StringSplitOptions.RemoveEmptyEntries);

    /// <summary>The environment systemd gives the service: Environment= and the EnvironmentFile= files (a leading '-': optional).</summary>
    public IReadOnlyDictionary<string, string> Environment()
    {
        var environment = new Dictionary<string, string>();
        foreach (var assignment in Values("Environment").SelectMany(v => v.Split(' ', StringSplitOptions.RemoveEmptyEntries)))
            Assign(environment, assignment);
        foreach (var named in Values("EnvironmentFile"))
        {
            var path = named.TrimStart('-');
            if (!File.Exists(path) && named.StartsWith('-')) continue;
            foreach (var line in File.ReadAllLines(path).Select(l => l.Trim()).Where(l => l.Length > 0 && l[0] is not ('#' or ';')))
                Assign(environment, line);
        }
        return environment;
    }

    private static void Assign(Dictionary<string, string> environment, string assignment)
    {
        var eq = assignment.IndexOf('=');
        if (eq <= 0) return;
        environment[assignment[..eq].Trim()] = assignment[(eq + 1)..].Trim().Trim('"');
    }
}
