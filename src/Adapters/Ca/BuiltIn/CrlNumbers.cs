using CertConnector.Adapters.Service.Standalone;

namespace CertConnector.Adapters.Ca.BuiltIn;

/// <summary>
/// The CRL number (RFC 5280 5.2.3: monotonically increasing), kept in the issued-certificate database so it survives
/// restarts and is one sequence for every instance that shares the database.
/// </summary>
public sealed class CrlNumbers
{
    private static readonly StandaloneTable Table = new("crl_number",
        "CREATE TABLE IF NOT EXISTS crl_number (id INTEGER PRIMARY KEY CHECK (id = 1), last INTEGER NOT NULL)");

    private readonly IssuedDatabase _database;

    public CrlNumbers(StandaloneDatabase database) => _database = new IssuedDatabase(database, Table);

    /// <summary>Takes the next number (1 for the first CRL); one statement, so two callers never get the same one.</summary>
    public long Next()
    {
        using var connection = _database.Open();
        using var command = connection.CreateCommand();
        command.CommandText = "INSERT INTO crl_number (id, last) VALUES (1, 1) ON CONFLICT (id) DO UPDATE SET last = crl_number.last + 1 RETURNING last";
        return Convert.ToInt64(command.ExecuteScalar());
    }
}
