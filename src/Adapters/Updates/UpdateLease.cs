using CertConnector.Adapters.Service.Standalone;

namespace CertConnector.Adapters.Updates;

/// <summary>Who may update now: granted to the asker, or held by another instance until a time.</summary>
public sealed record UpdateLeaseAnswer(bool Granted, string Holder, string Version, DateTimeOffset ExpiresUtc);

/// <summary>
/// The one update lease of a connector, in the shared database (the instance's own SQLite file on the embedded default): an
/// instance updates automatically only while it holds it, so the instances of a cluster update one at a time. The holder keeps
/// it across its own restart (the lease names the instance, not the process) and gives it back once the new version is ready
/// and a member again; a holder that never comes back loses it when it expires. One statement each: two instances asking at
/// once cannot both be granted.
/// </summary>
public sealed class UpdateLease
{
    private static readonly StandaloneTable Table = new("update_lease",
        "CREATE TABLE IF NOT EXISTS update_lease (id INTEGER PRIMARY KEY CHECK (id = 1), holder TEXT NOT NULL, version TEXT NOT NULL, expires_at TEXT NOT NULL)");

    private readonly StandaloneDatabase _database;
    private readonly TimeProvider _time;

    public UpdateLease(StandaloneDatabase database, TimeProvider time)
    {
        _database = database;
        _time = time;
        database.EnsureTables(Table);
    }

    /// <summary>Takes the lease for <paramref name="holder"/> (or renews it, if it holds it already) until now + <paramref name="duration"/>.</summary>
    public UpdateLeaseAnswer Take(string holder, string version, TimeSpan duration)
    {
        using var connection = _database.Open();
        // Refused, then given back before the holder could be read: ask again (the next answer is a grant or a holder).
        while (true)
        {
            var now = _time.GetUtcNow();
            using (var take = connection.CreateCommand())
            {
                take.CommandText = "INSERT INTO update_lease (id, holder, version, expires_at) VALUES (1, @holder, @version, @expires) " +
                                   "ON CONFLICT (id) DO UPDATE SET holder = excluded.holder, version = excluded.version, expires_at = excluded.expires_at " +
                                   "WHERE update_lease.holder = excluded.holder OR update_lease.expires_at < @now RETURNING holder";
                StandaloneStore.Add(take, "@holder", holder);
                StandaloneStore.Add(take, "@version", version);
                StandaloneStore.Add(take, "@expires", StandaloneDatabase.FormatTime(now + duration));
                StandaloneStore.Add(take, "@now", StandaloneDatabase.FormatTime(now));
                if (take.ExecuteScalar() is not null) return new UpdateLeaseAnswer(true, holder, version, now + duration);
            }
            using var read = connection.CreateCommand();
            read.CommandText = "SELECT holder, version, expires_at FROM update_lease WHERE id = 1";
            using var row = read.ExecuteReader();
            if (row.Read())
                return new UpdateLeaseAnswer(false, row.GetString(0), row.GetString(1), StandaloneDatabase.ParseTime(row.GetString(2)));
        }
    }

    /// <summary>Gives the lease back; false when <paramref name="holder"/> did not hold it.</summary>
    public bool Release(string holder)
    {
        using var connection = _database.Open();
        using var command = connection.CreateCommand();
        command.CommandText = "DELETE FROM update_lease WHERE id = 1 AND holder = @holder";
        StandaloneStore.Add(command, "@holder", holder);
        return command.ExecuteNonQuery() > 0;
    }
}
