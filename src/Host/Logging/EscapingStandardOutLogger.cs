using Akka.Actor;
using Akka.Dispatch;
using Akka.Event;
using CertConnector.Adapters.Logging;

namespace CertConnector.Host.Logging;

/// <summary>
/// Akka's console logger with control characters escaped: a dead letter or an error may print a message that
/// carries a device's subject, and that must not forge a line or send a terminal escape sequence. Same format
/// and the same place in the shutdown order as Akka's StandardOutLogger, so the last shutdown lines still show.
/// </summary>
public sealed class EscapingStandardOutLogger : ReceiveActor, IRequiresMessageQueue<ILoggerMessageQueueSemantics>
{
    public EscapingStandardOutLogger()
    {
        Receive<InitializeLogger>(_ => Sender.Tell(new LoggerInitialized()));
        Receive<LogEvent>(e => Console.Out.WriteLine(Line(e)));
    }

    /// <summary>The event as Akka prints it, escaped to one line; an exception's stack trace follows, each line escaped and indented.</summary>
    public static string Line(LogEvent e)
    {
        var text = e.ToString();
        var cause = e is Error { Cause: { } exception } ? exception.ToString() : null;
        var at = cause is null ? -1 : text.LastIndexOf(cause, StringComparison.Ordinal);
        if (at < 0) return LogText.Escape(text);
        return LogText.Escape(text[..at].TrimEnd()) + string.Concat(cause!.Split('\n').Select(l => Environment.NewLine + "    " + LogText.Escape(l.TrimEnd('\r'))));
    }
}
