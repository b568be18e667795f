using System.Text;
using CertConnector.Actors.Logging;
using Serilog;
using Serilog.Core;
using Serilog.Events;
using Serilog.Parsing;

namespace CertConnector.Adapters.Logging;

/// <summary>
/// The event-ID log: the Admin and Operational channels each go to their own JSON-lines file in the logs
/// directory (<c>admin-YYYYMMDD.jsonl</c>, <c>operational-YYYYMMDD.jsonl</c>, rolled daily and at the size
/// limit), plus one readable line per event on the console. Debug events are written only when their
/// channel's switch is on. Never throws: a failing write is reported on stderr and dropped.
/// </summary>
public sealed class JsonLinesEventLog : IConnectorEventLog, IDisposable
{
    private readonly EventLogOptions _options;
    private readonly TimeProvider _time;
    private readonly Logger _admin;
    private readonly Logger _operational;
    private readonly Logger? _console;
    private readonly List<CompressOnRollHooks> _hooks = [];
    private bool _adminDebug;
    private bool _operationalDebug;
    private volatile bool _disposed;

    public JsonLinesEventLog(EventLogOptions options, TimeProvider? timeProvider = null)
    {
        ArgumentNullException.ThrowIfNull(options);
        ArgumentException.ThrowIfNullOrWhiteSpace(options.Directory);
        _options = options;
        _time = timeProvider ?? TimeProvider.System;
        (_adminDebug, _operationalDebug) = (options.AdminDebug, options.OperationalDebug);
        System.IO.Directory.CreateDirectory(options.Directory);
        _admin = FileLogger("admin");
        _operational = FileLogger("operational");
        _console = options.Console
            ? new LoggerConfiguration().MinimumLevel.Verbose().WriteTo.Console(new ConsoleLineFormatter()).CreateLogger()
            : null;
    }

    public string Directory => _options.Directory;

    public void Write(ConnectorEvent connectorEvent)
    {
        if (_disposed || connectorEvent?.Definition is not { } definition) return;
        try
        {
            if (definition.Level == EventLevel.Debug && !IsDebugEnabled(definition.Channel)) return;
            var logEvent = ToLogEvent(connectorEvent);
            (definition.Channel == EventChannel.Admin ? _admin : _operational).Write(logEvent);
            _console?.Write(logEvent);
        }
        catch (Exception e)
        {
            // The port promises never to throw into an actor; losing one log line is the lesser harm.
            try { Console.Error.WriteLine($"Event log write failed for event {definition.Id}: {e.Message}"); }
            catch { /* stderr itself is gone; nothing left to tell */ }
        }
    }

    public void Dispose()
    {
        if (_disposed) return;
        _disposed = true;
        _admin.Dispose();
        _operational.Dispose();
        _console?.Dispose();
        foreach (var hooks in _hooks) hooks.Wait(); // a rolled file is in the archive, whole, before the process goes on
    }

    /// <summary>Whether the channel's Debug-level events are written.</summary>
    public bool IsDebugEnabled(EventChannel channel) =>
        channel == EventChannel.Admin ? Volatile.Read(ref _adminDebug) : Volatile.Read(ref _operationalDebug);

    /// <summary>Turns the channel's Debug switch on or off at once, for the running process (the setting gives its start value).</summary>
    public void SetDebug(EventChannel channel, bool enabled)
    {
        if (channel == EventChannel.Admin) Volatile.Write(ref _adminDebug, enabled);
        else Volatile.Write(ref _operationalDebug, enabled);
    }

    private Logger FileLogger(string channel) => new LoggerConfiguration()
        .MinimumLevel.Verbose() // levels are filtered in Write, per channel
        .WriteTo.File(
            new JsonLinesFormatter(),
            Path.Combine(_options.Directory, channel + "-.jsonl"),
            fileSizeLimitBytes: _options.FileSizeLimitBytes,
            buffered: false,
            rollingInterval: RollingInterval.Day,
            rollOnFileSizeLimit: true,
            retainedFileCountLimit: null, // the hooks archive every rolled file at once and keep the newest RetainedFileCountLimit
            encoding: new UTF8Encoding(encoderShouldEmitUTF8Identifier: false),
            hooks: Hooks(channel))
        .CreateLogger();

    private CompressOnRollHooks Hooks(string channel)
    {
        var hooks = new CompressOnRollHooks(channel, Path.Combine(_options.Directory, "archive"), _options.RetainedFileCountLimit);
        hooks.CompressLeftOver(_options.Directory);
        _hooks.Add(hooks);
        return hooks;
    }

    private LogEvent ToLogEvent(ConnectorEvent e)
    {
        var d = e.Definition;
        var properties = new List<LogEventProperty>
        {
            new("eventId", new ScalarValue(d.Id)),
            new("eventName", new ScalarValue(d.Name)),
            new("channel", new ScalarValue(d.Channel.ToString())),
            new("taskCategory", new ScalarValue(d.Category.ToString())),
            new("requestId", new ScalarValue(e.RequestId)),
            new("clientRequestId", new ScalarValue(e.ClientRequestId)),
            new("instance", new ScalarValue(_options.Instance)),
        };
        if (e.Properties is not null)
        {
            foreach (var (key, value) in e.Properties)
            {
                if (string.IsNullOrWhiteSpace(key)) continue;
                var name = JsonLinesFormatter.ReservedNames.Contains(key) ? "_" + key : key;
                // Not destructured: an object is logged by its ToString, so nothing nested leaks by accident.
                if (_admin.BindProperty(name, SecretScrubber.Scrub(key, value), destructureObjects: false, out var property))
                    properties.Add(property);
            }
        }
        // The message is already text: a single text token keeps braces in it from being read as holes.
        var template = new MessageTemplate([new TextToken(e.Message ?? "")]);
        return new LogEvent(_time.GetUtcNow(), ToSerilog(d.Level), null, template, properties);
    }

    private static LogEventLevel ToSerilog(EventLevel level) => level switch
    {
        EventLevel.Debug => LogEventLevel.Debug,
        EventLevel.Information => LogEventLevel.Information,
        EventLevel.Warning => LogEventLevel.Warning,
        _ => LogEventLevel.Error,
    };
}
