using CertConnector.Actors.Logging;
using CertConnector.Adapters.Logging;

namespace CertConnector.Host.Configuration;

/// <summary>
/// A start that failed once the data directory was this process's: written to its Operational log as 0001, with the one line the
/// console shows, so an operator reading the logs (or `certconnector logs`) sees why the instance is not running.
/// </summary>
public static class StartupRefusal
{
    public static void Record(IServiceProvider? services, DataDirectory data, ConnectorOptions options, Exception e)
    {
        var message = e is StartupException ? e.Message : $"The connector could not start: {EntryPoint.Innermost(e).Message}";
        try
        {
            // The log the failed host made, if it got that far (two writers on one file would collide); otherwise one of our own.
            if (services?.GetService<JsonLinesEventLog>() is { } log)
                log.Write(ConnectorInternalEvents.StartupRefused, null, message);
            else
            {
                using var own = new JsonLinesEventLog(new EventLogOptions { Directory = data.LogDirectory, Instance = options.Instance, Console = false });
                own.Write(ConnectorInternalEvents.StartupRefused, null, message);
            }
        }
        catch (Exception logging) when (logging is IOException or UnauthorizedAccessException or InvalidOperationException)
        {
            // The console line is still written by the entry point; a log that cannot be written must not hide the first failure.
        }
    }
}
