using CertConnector.Host.Ca;
using System.Net;
using System.Net.Sockets;
using CertConnector.Host.Composition;
using CertConnector.Host.Features;

namespace CertConnector.Host.Configuration;

/// <summary>The listeners the connector will open, resolved and checked before anything is created.</summary>
/// <param name="Device">the device-facing listener, if an enabled feature serves devices.</param>
/// <param name="DeviceSetting">the setting that places it, for messages, e.g. <c>--scep-url (Connector:Scep:ListenUrl)</c>.</param>
public sealed record ListenPlan(IPEndPoint Admin, IPEndPoint? Device = null, string? DeviceSetting = null);

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
        CheckAdminExposure(admin, options);
        var (device, deviceSetting) = DeviceListener(options);
        if (device is not null && admin.Port != 0 && admin.Port == device.Port)
            throw new StartupException($"The admin API and the device-facing listener cannot share port {admin.Port}: the admin API must never be reachable where devices are. Set --admin-url or {deviceSetting}.");
        CheckDatabase(options.Database);
        CheckCluster(options.Cluster);
        CheckServiceMode(options.Service);
        options.Updates.Check();
        options.Metrics.CheckedOtlpEndpoint();
        Akka.Configuration.Config config;
        try
        {
            config = AkkaComposition.ParseHocon(options);
            if (FindCycle(config.Root, "", new HashSet<object>(ReferenceEqualityComparer.Instance), 0) is { } cycle)
                throw new StartupException($"The HOCON file '{options.Hocon}' cannot be used: {cycle}. A key must not be set from itself " +
                                           "(e.g. 'port = ${?PORT}' after 'port = 4053'); use the Connector:* settings the host provides as ${certconnector...}. Fix the file or set --hocon (Connector:Hocon).");
            CheckAkkaSettings(config, options);
        }
        catch (FileNotFoundException e)
        {
            throw new StartupException($"{e.Message} Set --hocon (Connector:Hocon).");
        }
        catch (Exception e) when (e is not StartupException and not IOException)
        {
            // Hocon's parser reports syntax errors and unresolved substitutions with several exception types; all mean the same to an operator.
            throw new StartupException($"The HOCON file '{options.Hocon}' cannot be read: {e.Message.Split('\n')[0].TrimEnd('.')}. Fix the file or set --hocon (Connector:Hocon).");
        }
        PublicBaseUrl.Check(options.Publishing);
        if (options.Ca.ImportPkcs12 is { Length: > 0 } p12 && !File.Exists(p12))
            throw new StartupException($"The CA to import, '{p12}', does not exist. Set Connector:Ca:ImportPkcs12.");
        return new ListenPlan(admin, device, deviceSetting);
    }

    /// <summary>The one device-facing listener the enabled features ask for (none if none does); two that name different addresses are refused.</summary>
    private static (IPEndPoint? Endpoint, string? Setting) DeviceListener(ConnectorOptions options)
    {
        (IPEndPoint? Endpoint, string? Setting) chosen = (null, null);
        foreach (var use in options.EnabledFeatures.Select(f => f.DeviceListener).OfType<DeviceListenerUse>())
        {
            var endpoint = Listeners.Endpoint(use.Url(options), "device-facing", use.Names);
            if (chosen.Endpoint is null) chosen = (endpoint, use.Names);
            else if (!chosen.Endpoint.Equals(endpoint))
                throw new StartupException($"Devices reach the connector on one listener, but {chosen.Setting} and {use.Names} name different addresses. Set both to the same URL.");
        }
        return chosen;
    }

    private static readonly string[] Modes = [ServiceSettings.Standalone, ServiceSettings.Remote];

    /// <summary>The mode is known; in remote mode the service settings are complete and well-formed (the network is checked later).</summary>
    private static void CheckServiceMode(ServiceSettings service)
    {
        if (!Modes.Contains(service.Mode, StringComparer.OrdinalIgnoreCase))
            throw new StartupException($"Connector:Service:Mode '{service.Mode}' is not supported. Supported: {string.Join(", ", Modes)}.{NearestName.Suggestion(service.Mode, Modes)}");
        if (service.IsRemote) _ = service.ToRemoteOptions();
        else if (!string.IsNullOrWhiteSpace(service.Proxy)) _ = ServiceSettings.ParseProxy(service.Proxy); // a wrong value is wrong in any mode
    }

    /// <summary>The admin API can issue and revoke certificates and its listener is plain http: beyond loopback only when the operator says the network is trusted.</summary>
    private static void CheckAdminExposure(IPEndPoint admin, ConnectorOptions options)
    {
        if (IPAddress.IsLoopback(admin.Address) || options.Admin.AllowPlainHttp) return;
        throw new StartupException($"The admin API would listen on {options.AdminUrl} in plain http beyond this machine: the admin token and every answer would cross the network in the clear. " +
                                   "Keep --admin-url (Connector:AdminUrl) on 127.0.0.1 and put a TLS reverse proxy in front, or, on a trusted network only, set Connector:Admin:AllowPlainHttp=true.");
    }

    private static readonly string[] Providers = [DatabaseSettings.Sqlite, DatabaseSettings.Postgres];

    /// <summary>The shared stores' database: a known provider; PostgreSQL with a connection string Npgsql accepts.</summary>
    private static void CheckDatabase(DatabaseSettings database)
    {
        if (!Providers.Contains(database.Provider, StringComparer.OrdinalIgnoreCase))
            throw new StartupException($"Connector:Database:Provider '{database.Provider}' is not supported. Supported: {string.Join(", ", Providers)}.");
        if (!database.IsPostgres) return;
        if (string.IsNullOrWhiteSpace(database.ConnectionString))
            throw new StartupException("Connector:Database:Provider is postgres but no connection string is set. Set Connector:Database:ConnectionString " +
                                       $"(e.g. \"Host=127.0.0.1;Database=certconnector;Username=certconnector;Password=...\") or the environment variable {DatabaseSettings.ConnectionStringVariable}.");
        try
        {
            _ = new Npgsql.NpgsqlConnectionStringBuilder(database.ConnectionString);
        }
        catch (Exception e) when (e is ArgumentException or FormatException or InvalidCastException)
        {
            // Never echo the connection string: it may hold a password.
            throw new StartupException($"Connector:Database:ConnectionString is not a valid PostgreSQL connection string: {e.Message.Split('\n')[0]}");
        }
    }

    private static void CheckCluster(ClusterSettings cluster)
    {
        if (cluster.Port > 65535)
            throw new StartupException($"Connector:Cluster:Port {cluster.Port} is not a TCP port. Set --cluster-port (Connector:Cluster:Port).");
        if (string.IsNullOrWhiteSpace(cluster.Hostname))
            throw new StartupException("Connector:Cluster:Hostname is empty. Set --cluster-host (Connector:Cluster:Hostname) to the address other nodes reach this one at.");
        foreach (var seed in cluster.SeedNodes) CheckSeedNode(seed, "--seed-node (Connector:Cluster:SeedNodes)");
    }

    private static void CheckSeedNode(string seed, string setting)
    {
        Akka.Actor.Address? address = null;
        try
        {
            address = Akka.Actor.Address.Parse(seed);
        }
        catch (Exception e) when (e is UriFormatException or ArgumentException or FormatException)
        {
        }
        if (address is not { Host: not null, Port: > 0 } || address.System != AkkaComposition.SystemName || !address.Protocol.StartsWith("akka", StringComparison.Ordinal))
            throw new StartupException($"The seed node '{seed}' is not an address of a connector node; it must look like akka.tcp://{AkkaComposition.SystemName}@10.0.0.5:4053. Set {setting}.");
    }

    /// <summary>
    /// Reads what Akka will read, so a substitution that resolves to nothing useful, a malformed seed node or a
    /// journal the database settings contradict is a start-up error now rather than an actor-system failure later.
    /// </summary>
    private static void CheckAkkaSettings(Akka.Configuration.Config config, ConnectorOptions options)
    {
        if (config.GetConfig("akka.remote.dot-netty.tcp") is { IsEmpty: false } tcp)
        {
            if (tcp.HasPath("hostname")) _ = tcp.GetString("hostname");
            if (tcp.HasPath("port") && tcp.GetInt("port") is < 0 or > 65535)
                throw new StartupException($"akka.remote.dot-netty.tcp.port in '{options.Hocon}' is not a TCP port. Set --cluster-port (Connector:Cluster:Port).");
        }
        if (config.HasPath("akka.cluster.seed-nodes"))
            foreach (var seed in config.GetStringList("akka.cluster.seed-nodes")) CheckSeedNode(seed, $"--seed-node (Connector:Cluster:SeedNodes) or fix akka.cluster.seed-nodes in '{options.Hocon}'");
        // Seed nodes given but not used by the HOCON file (embedded.hocon is one node): the operator believes this
        // instance joins a cluster while it would run alone with its own data.
        if (options.Cluster.SeedNodes.Count > 0 && (!config.HasPath("akka.cluster.seed-nodes") || config.GetStringList("akka.cluster.seed-nodes").Count == 0))
            throw new StartupException($"--seed-node (Connector:Cluster:SeedNodes) is set, but '{options.Hocon}' does not use it: that file runs one node alone. " +
                                       "Start cluster nodes with --hocon hocon/cluster.hocon.");
        foreach (var plugin in new[] { "akka.persistence.journal.sql", "akka.persistence.snapshot-store.sql" })
        {
            if (config.GetConfig(plugin) is not { IsEmpty: false } sql) continue;
            var provider = sql.GetString("provider-name") ?? "";
            var connection = sql.GetString("connection-string") ?? "";
            if (provider.StartsWith("PostgreSQL", StringComparison.OrdinalIgnoreCase) && !options.Database.IsPostgres)
                throw new StartupException($"The HOCON file '{options.Hocon}' keeps the journal in PostgreSQL ({plugin}), but Connector:Database:Provider is " +
                                           $"{options.Database.Provider}. Set --Connector:Database:Provider=postgres and --Connector:Database:ConnectionString=..., or use hocon/embedded.hocon.");
            if (string.IsNullOrWhiteSpace(connection))
                throw new StartupException($"{plugin}.connection-string in '{options.Hocon}' is empty. Set Connector:Database:ConnectionString (the file refers to it as ${{certconnector.database.connection-string}}).");
        }
    }

    /// <summary>
    /// A key whose value refers back to itself (<c>port = 4053</c> then <c>port = ${?PORT}</c>) makes Akka's HOCON
    /// reader recurse until the process dies of a stack overflow, which no handler can catch. Walks the parsed tree
    /// through substitutions, remembering the values on the current path; returns the first cycle found.
    /// </summary>
    private static string? FindCycle(Akka.Configuration.Hocon.HoconValue? value, string path, HashSet<object> onPath, int depth)
    {
        if (value is null) return null;
        if (depth > 100) return $"'{path}' nests more than 100 levels deep";
        if (!onPath.Add(value)) return $"'{path}' refers to itself";
        try
        {
            foreach (var element in value.Values)
            {
                var found = element switch
                {
                    Akka.Configuration.Hocon.HoconObject o => o.Items.Select(i => FindCycle(i.Value, path.Length == 0 ? i.Key : $"{path}.{i.Key}", onPath, depth + 1)).FirstOrDefault(f => f is not null),
                    Akka.Configuration.Hocon.HoconArray a => a.Select((v, i) => FindCycle(v, $"{path}[{i}]", onPath, depth + 1)).FirstOrDefault(f => f is not null),
                    Akka.Configuration.Hocon.HoconSubstitution s => FindCycle(s.ResolvedValue, path, onPath, depth + 1),
                    _ => null,
                };
                if (found is not null) return found;
            }
            return null;
        }
        finally
        {
            onPath.Remove(value);
        }
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
        if (plan.Device is { } device) CheckPort(device, "devices", plan.DeviceSetting!);
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
