using System.Text;
using System.Text.Json.Nodes;
using CertConnector.Host.Configuration;
using CertConnector.Host.Features;

namespace CertConnector.Host.Cli;

/// <summary>
/// <c>certconnector configure</c> on a terminal without flags: asks for what an operator changes most (the features, the proxy, the
/// default CA, the service mode and its client secret), each with what the settings file says now; enter keeps it. A secret is typed
/// without echo. The answers become the same changes the flags make, and go through the same checks.
/// </summary>
public static class ConfigurePrompts
{
    /// <summary>Fills <paramref name="changes"/> and <paramref name="secrets"/>; false when the operator declined at the end.</summary>
    public static bool Ask(IReadOnlyList<ConnectorFeature> features, JsonObject settings, List<(string Key, string? Value)> changes, Dictionary<string, string> secrets)
    {
        var now = ConfigureCommand.Bind(settings);
        var names = features.Select(f => f.Name).ToList();
        var running = features.Where(f => f.IsEnabled(now)).Select(f => f.Name).ToList();
        Console.WriteLine("Enter keeps what is shown.");

        while (Line($"Features to run here ({string.Join(", ", names)}); now: {string.Join(", ", running)}") is { } answer)
        {
            var wanted = answer.Split([',', ' '], StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries).Distinct().ToList();
            if (wanted.FirstOrDefault(w => !names.Contains(w)) is { } unknown)
            {
                Console.WriteLine($"  '{unknown}' is not a feature: {string.Join(", ", names)}.");
                continue;
            }
            foreach (var name in names.Where(n => wanted.Contains(n) != running.Contains(n)))
                changes.Add((ConfigureCommand.EnabledKey(features, name), wanted.Contains(name) ? "true" : "false"));
            break;
        }
        if (Line($"Outbound proxy (Connector:Service:Proxy, '-' for none); now: {now.Service.Proxy ?? "none"}") is { } proxy)
            changes.Add(("Connector:Service:Proxy", proxy == "-" ? null : proxy));
        if (Line($"Default CA (Connector:Cas:Default); now: {now.NamedCas.DefaultName}") is { } ca)
            changes.Add(("Connector:Cas:Default", ca));
        if (Line($"Management service (Connector:Service:Mode: standalone or remote); now: {now.Service.Mode}") is { } mode)
            changes.Add(("Connector:Service:Mode", mode));
        if (Secret("Service client secret (Connector:Service:ClientSecret; not shown)") is { } secret)
            secrets[ConfigureCommand.SecretVariable("Connector:Service:ClientSecret")] = secret;

        if (changes.Count == 0 && secrets.Count == 0)
        {
            Console.WriteLine("Nothing changed.");
            return false;
        }
        Console.WriteLine("To change: " + string.Join(", ", changes.Select(c => c.Value is null ? $"{c.Key} removed" : $"{c.Key}={c.Value}")
            .Concat(secrets.Keys.Select(k => $"{k} (secret)"))));
        if (Line("Check, write and restart? [y/N]")?.ToLowerInvariant() is "y" or "yes") return true;
        Console.WriteLine("Nothing written.");
        return false;
    }

    /// <summary>The answer, or null for enter (keep).</summary>
    private static string? Line(string question)
    {
        Console.Write(question + ": ");
        var line = Console.ReadLine()?.Trim();
        return string.IsNullOrEmpty(line) ? null : line;
    }

    /// <summary>Typed without echo; null for enter (keep).</summary>
    private static string? Secret(string question)
    {
        Console.Write(question + ": ");
        var typed = new StringBuilder();
        while (true)
        {
            var key = Console.ReadKey(intercept: true);
            if (key.Key == ConsoleKey.Enter) break;
            if (key.Key == ConsoleKey.Backspace) { if (typed.Length > 0) typed.Length--; continue; }
            if (!char.IsControl(key.KeyChar)) typed.Append(key.KeyChar);
        }
        Console.WriteLine();
        return typed.Length == 0 ? null : typed.ToString();
    }
}
