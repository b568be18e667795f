using CertConnector.Adapters.Logging;
using Microsoft.Extensions.Logging.Abstractions;
using Microsoft.Extensions.Logging.Console;

namespace CertConnector.Host.Logging;

/// <summary>
/// The console form of the framework's and Akka's diagnostics (our own events have their own formatter):
/// <c>info: Category[id] message</c>, one line per entry, with control characters in the message escaped
/// (<see cref="LogText"/>), so a value from a device or an operator cannot forge a line or drive the terminal.
/// </summary>
public sealed class EscapingConsoleFormatter() : ConsoleFormatter(Name)
{
    public new const string Name = "certconnector";

    public override void Write<TState>(in LogEntry<TState> logEntry, IExternalScopeProvider? scopeProvider, TextWriter textWriter)
    {
        var message = logEntry.Formatter?.Invoke(logEntry.State, logEntry.Exception);
        if (message is null && logEntry.Exception is null) return;
        textWriter.Write(logEntry.LogLevel switch
        {
            LogLevel.Trace => "trce",
            LogLevel.Debug => "dbug",
            LogLevel.Information => "info",
            LogLevel.Warning => "warn",
            LogLevel.Error => "fail",
            _ => "crit",
        });
        textWriter.Write(": ");
        textWriter.Write(LogText.Escape(logEntry.Category));
        textWriter.Write('[');
        textWriter.Write(logEntry.EventId.Id);
        textWriter.Write("] ");
        textWriter.Write(LogText.Escape(message));
        if (logEntry.Exception is { } e)
        {
            // The stack trace stays readable: each of its lines is escaped on its own, and indented.
            foreach (var line in e.ToString().Split('\n'))
            {
                textWriter.Write(Environment.NewLine);
                textWriter.Write("    ");
                textWriter.Write(LogText.Escape(line.TrimEnd('\r')));
            }
        }
        textWriter.Write(Environment.NewLine);
    }
}
