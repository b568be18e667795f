using CertConnector.Host.Admin;
using CertConnector.Host.Cli;
using CertConnector.Host.Configuration;

namespace CertConnector.Host;

/// <summary>
/// Decides what a command line means before anything runs. The first word that is not an option picks the
/// face: none (or <c>run</c>) runs the connector, a known subcommand runs the CLI, anything else is a typo,
/// refused with the nearest command and exit code 2, so a mistyped command never starts a server.
/// </summary>
public static class EntryPoint
{
    public const string RunCommand = "run";

    /// <summary>Options the CLI takes before its subcommand (they need a value).</summary>
    private static readonly string[] CliGlobalOptions = ["--url", "--data-dir"];

    private static readonly string[] HelpOptions = ["--help", "-h", "-?"];

    public static async Task<int> RunAsync(string[] args)
    {
        try
        {
            var (command, position) = FirstCommand(args);
            if (command is null && args.Any(HelpOptions.Contains)) return await CliApp.RunAsync(args);
            if (command is null && args.Contains("--version")) return await CliApp.RunAsync(["--version"]);
            if (command is null) return await RunServerAsync(args);
            if (command == RunCommand) return await RunServerAsync([.. args[..position], .. args[(position + 1)..]]);
            if (CliApp.Commands.Contains(command)) return await CliApp.RunAsync(args);
            throw StartupException.Usage($"Unknown command '{command}'.{NearestName.Suggestion(command, [RunCommand, .. CliApp.Commands])}" +
                                         $" Commands: {string.Join(", ", CliApp.Commands)}; with no command (or '{RunCommand}') certconnector runs the connector.");
        }
        catch (StartupException e)
        {
            await Console.Error.WriteLineAsync($"certconnector: {e.Message}");
            return e.ExitCode;
        }
    }

    private static async Task<int> RunServerAsync(string[] args)
    {
        if (args.FirstOrDefault(a => a.Split('=')[0] == "--url") is not null)
            throw StartupException.Usage("--url is a CLI option: give it with a command, e.g. 'certconnector --url http://127.0.0.1:5080 status'.");
        try
        {
            return await ServerApp.RunAsync(args);
        }
        catch (Exception e) when (e is not StartupException)
        {
            // Whatever the checks could not foresee (e.g. a port taken between the check and the bind): one line, exit 1.
            throw new StartupException($"The connector could not start: {Innermost(e).Message}");
        }
    }

    /// <summary>The first word that is neither an option nor an option's value, and where it stands.</summary>
    private static (string? Command, int Position) FirstCommand(string[] args)
    {
        for (var i = 0; i < args.Length; i++)
        {
            var arg = args[i];
            if (!arg.StartsWith('-')) return (arg, i);
            if (arg.Contains('=') || HelpOptions.Contains(arg) || arg == "--version") continue;
            if (CliGlobalOptions.Contains(arg) || ServerArguments.SwitchesOf().ContainsKey(arg) || arg.StartsWith("--Connector:", StringComparison.OrdinalIgnoreCase))
            {
                i++; // its value (a missing or option-looking value is reported by the parser that owns the option)
                if (i < args.Length && args[i].StartsWith("--", StringComparison.Ordinal)) i--;
                continue;
            }
            throw StartupException.Usage($"Unknown option '{arg}'.{NearestName.Suggestion(arg, [.. CliGlobalOptions, .. ServerArguments.SwitchesOf().Keys, "--help", "--version"])}" +
                                         " 'certconnector --help' lists the commands and options.");
        }
        return (null, -1);
    }

    internal static Exception Innermost(Exception e)
    {
        while (e is AggregateException { InnerException: { } inner } || e.InnerException is not null && e is TypeInitializationException or System.Reflection.TargetInvocationException)
            e = e.InnerException!;
        return e;
    }
}
