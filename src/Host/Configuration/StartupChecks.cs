using System.Net;
using System.Net.Sockets;
using CertConnector.Host.Composition;

namespace CertConnector.Host.Configuration;

/// <summary>The listeners the connector will open, resolved and checked before anything is created.</summary>
public sealed record ListenPlan(IPEndPoint Admin, IPEndPoint? Scep);

/// <summary>
/// Everything that can be checked before the first file is written: the listen URLs, the HOCON file, the
/// CA to import, the data directory, the ports. Each problem is one <see cref="StartupException"/> that
/// says what is wrong and which setting fixes it.
/// </summary>
public static class StartupChecks
{
    public static ListenPlan CheckSettings(ConnectorOptions options)
    {
        var admin = Listeners.Endpoint(options.AdminUrl, Listeners.Admin, "--admin-url (Connector:AdminUrl)");
        var scep = options.Scep.Enabled ? Listeners.Endpoint(options.Scep.ListenUrl, Listeners.Scep, "--scep-url (Connector:Scep:ListenUrl)") : null;
        if (scep is not null && admin.Port != 0 && admin.Port == scep.Port)
            throw new StartupException($"The admin API and SCEP cannot share port {admin.Port}: the admin API must never be reachable where devices are. Set --admin-url or --scep-url.");
        try
        {
            AkkaComposition.ParseHocon(options);
        }
        catch (FileNotFoundException e)
        {
            throw new StartupException($"{e.Message} Set --hocon (Connector:Hocon).");
        }
        catch (Exception e) when (e is not StartupException and not IOException)
        {
            // Hocon's parser reports syntax errors with several exception types; all mean the same to an operator.
            throw new StartupException($"The HOCON file '{options.Hocon}' cannot be read: {e.Message.Split('\n')[0]} Fix the file or set --hocon (Connector:Hocon).");
        }
        Revocation.PublicBaseUrl.Check(options.Publishing);
        if (options.Ca.ImportPkcs12 is { Length: > 0 } p12 && !File.Exists(p12))
            throw new StartupException($"The CA to import, '{p12}', does not exist. Set Connector:Ca:ImportPkcs12.");
        return new ListenPlan(admin, scep);
    }

    /// <summary>The data directory exists (or can be made) as a writable directory. Returns true if it was created now.</summary>
    public static bool PrepareDataDirectory(DataDirectory data)
    {
        const string fix = "Set --data-dir (Connector:DataDir) to a writable directory.";
        if (File.Exists(data.Root))
            throw new StartupException($"The data directory {data.Root} is a file, not a directory. {fix}");
        var created = !Directory.Exists(data.Root);
        try
        {
            data.EnsureExists();
            // Write access is what matters (a read-only mount passes every permission check but this one).
            var probe = Path.Combine(data.Root, $".write-test-{Environment.ProcessId}");
            File.WriteAllText(probe, "");
            File.Delete(probe);
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException)
        {
            if (created) TryDeleteEmpty(data.Root);
            throw new StartupException($"The data directory {data.Root} cannot be used: {e.Message} {fix}");
        }
        return created;
    }

    /// <summary>Each fixed port can be bound now (port 0 means "any free port" and always can).</summary>
    public static void CheckPortsFree(ListenPlan plan)
    {
        CheckPort(plan.Admin, "the admin API", "--admin-url (Connector:AdminUrl)");
        if (plan.Scep is { } scep) CheckPort(scep, "SCEP", "--scep-url (Connector:Scep:ListenUrl)");
    }

    private static void CheckPort(IPEndPoint endpoint, string what, string setting)
    {
        if (endpoint.Port == 0) return;
        try
        {
            using var socket = new Socket(endpoint.AddressFamily, SocketType.Stream, ProtocolType.Tcp);
            socket.Bind(endpoint);
            socket.Listen();
        }
        catch (SocketException e)
        {
            var reason = e.SocketErrorCode switch
            {
                SocketError.AddressAlreadyInUse => $"port {endpoint.Port} is already in use by another program",
                SocketError.AddressNotAvailable => $"{endpoint.Address} is not an address of this machine",
                SocketError.AccessDenied => $"port {endpoint.Port} needs privileges this process does not have",
                _ => e.Message,
            };
            throw new StartupException($"Cannot listen for {what} on {endpoint}: {reason}. Set {setting}.");
        }
    }

    /// <summary>Removes a directory this start created, if nothing but the lock and PID files are in it.</summary>
    public static void TryDeleteEmpty(string directory)
    {
        try
        {
            foreach (var file in Directory.GetFiles(directory).Where(f => Path.GetFileName(f) is "connector.lock" or "connector.pid")) File.Delete(file);
            if (!Directory.EnumerateFileSystemEntries(directory).Any()) Directory.Delete(directory);
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException)
        {
            // Best effort: the one-line error already says what went wrong.
        }
    }
}
