using System.Text;
using CertConnector.Adapters.Crypto;
using CertConnector.Adapters.Service.Standalone;
using Org.BouncyCastle.Crypto;
using Org.BouncyCastle.X509;

namespace CertConnector.Adapters.Ca.BuiltIn;

/// <summary>Where one credential of the built-in CA (the CA itself, the SCEP RA, the OCSP signer) is kept.</summary>
internal interface ICaCredentialSlot
{
    /// <summary>The certificate is there (its key may still be missing: <see cref="Load"/> says so).</summary>
    bool Exists { get; }

    /// <summary>A key without its certificate: a half-restored backup the CA must not paper over by creating a new one.</summary>
    bool OrphanKey { get; }

    /// <summary>How to name the place in messages (a file path, or a row of the shared database).</summary>
    string Where { get; }

    /// <summary>Certificate first, then its issuers; the key decrypted with <paramref name="passphrase"/>.</summary>
    (IReadOnlyList<X509Certificate> Chain, AsymmetricKeyParameter Key) Load(char[] passphrase);

    void Save(IReadOnlyList<X509Certificate> chain, AsymmetricKeyParameter key, char[] passphrase, int iterations);

    /// <summary>The certificates alone, for a credential whose key is kept elsewhere (a PKCS#11 token).</summary>
    IReadOnlyList<X509Certificate> LoadCertificates();

    /// <summary>Keeps the certificates alone (no key is written), for a credential whose key is kept in a PKCS#11 token.</summary>
    void SaveCertificates(IReadOnlyList<X509Certificate> chain);
}

/// <summary>
/// The CA, RA and OCSP-signer credentials of a cluster, kept in its shared database so that every instance signs with
/// the same CA key, decrypts SCEP requests with the same RA key and answers OCSP for the same CA. Each key is stored as
/// PBES2-encrypted PKCS#8 under the CA passphrase (<see cref="CaPassphrase.EnvironmentVariable"/>, the same on every
/// instance), never in plaintext. Instances starting together are serialized by <see cref="Lock"/>: the first creates
/// (or imports) the CA, the others load it.
/// </summary>
public sealed class SharedCaCredentials(StandaloneDatabase database)
{
    // pg_advisory_xact_lock key held while an instance opens or creates the CA ("CaCreds").
    private const long OpenLockKey = 0x43_61_43_72_65_64_73;

    private static readonly StandaloneTable Table = new("ca_credentials", """
        CREATE TABLE IF NOT EXISTS ca_credentials (
            name            TEXT PRIMARY KEY NOT NULL,
            certificate_pem TEXT NOT NULL,
            encrypted_key   TEXT NOT NULL,
            saved_at        TEXT NOT NULL
        );
        """);

    private static readonly StandaloneTable IdentityTable = new("cluster_identity", """
        CREATE TABLE IF NOT EXISTS cluster_identity (
            name  TEXT PRIMARY KEY NOT NULL,
            value TEXT NOT NULL
        );
        """);

    private volatile bool _ready;

    public StandaloneDatabase Database => database;

    /// <summary>
    /// Held while the CA is opened (and, on first start, created): one instance at a time, cluster-wide. A lock of an open
    /// transaction, not of the session: behind PgBouncer in transaction mode a session lock stays with the pooled server
    /// connection (the unlock may go to another one), while a transaction keeps its server connection until it ends.
    /// Waiters try and retry rather than wait inside a transaction: waiting, each would hold a server connection, and with a
    /// small pool the holder would find none left to create the CA with.
    /// </summary>
    internal IDisposable Lock()
    {
        Ensure();
        for (var attempt = 0; ; attempt++)
        {
            var connection = database.Open();
            var transaction = connection.BeginTransaction();
            using (var command = StandaloneStore.Command(connection, transaction, "SELECT pg_try_advisory_xact_lock(@key)", ("@key", OpenLockKey)))
                if (command.ExecuteScalar() is true) return new Unlock(connection, transaction);
            transaction.Rollback();
            transaction.Dispose();
            connection.Dispose();
            Thread.Sleep(TimeSpan.FromMilliseconds(Math.Min(1000, 50 << Math.Min(attempt, 5)) + Random.Shared.Next(50))); // start-up only, off any actor
        }
    }

    /// <summary>
    /// A random ID drawn by the first instance and kept in the shared database: with the CA certificate it names this
    /// connector in its members' remoting certificates, so another database that imported the same CA is another connector.
    /// </summary>
    public string ClusterId()
    {
        database.EnsureTables(IdentityTable);
        using var connection = database.Open();
        using (var insert = StandaloneStore.Command(connection, null,
                   "INSERT INTO cluster_identity (name, value) VALUES ('cluster-id', @value) ON CONFLICT (name) DO NOTHING",
                   ("@value", Guid.NewGuid().ToString("N"))))
            insert.ExecuteNonQuery();
        using var select = StandaloneStore.Command(connection, null, "SELECT value FROM cluster_identity WHERE name = 'cluster-id'");
        return (string)select.ExecuteScalar()!;
    }

    internal ICaCredentialSlot Slot(string name)
    {
        Ensure();
        return new DatabaseSlot(database, name);
    }

    private void Ensure()
    {
        if (_ready) return;
        database.EnsureTables(Table);
        _ready = true;
    }

    private sealed class Unlock(System.Data.Common.DbConnection connection, System.Data.Common.DbTransaction transaction) : IDisposable
    {
        public void Dispose()
        {
            transaction.Commit(); // ends the lock; it wrote nothing
            transaction.Dispose();
            connection.Dispose();
        }
    }

    private sealed class DatabaseSlot(StandaloneDatabase database, string name) : ICaCredentialSlot
    {
        public bool Exists => Read() is not null;

        public bool OrphanKey => false; // certificate and key are one row

        public string Where => $"the '{name}' credential in the shared database {database.Description}";

        public IReadOnlyList<X509Certificate> LoadCertificates() => Certificates((Read() ?? throw new InvalidOperationException($"{Where} does not exist.")).Pem);

        // The key column stays empty: the key is in the token, and the row says so to anyone reading it.
        public void SaveCertificates(IReadOnlyList<X509Certificate> chain) => Write(Pem.Certificates(chain), "");

        public (IReadOnlyList<X509Certificate> Chain, AsymmetricKeyParameter Key) Load(char[] passphrase)
        {
            var (pem, encryptedKey) = Read() ?? throw new InvalidOperationException($"{Where} does not exist.");
            var chain = Certificates(pem);
            if (encryptedKey.Length == 0)
                throw new InvalidOperationException($"{Where} has its key in a PKCS#11 token: set Connector:Ca:KeyStore=pkcs11 and the token's settings.");
            AsymmetricKeyParameter key;
            try
            {
                key = Pbes2.DecryptPrivateKey(Encoding.ASCII.GetBytes(encryptedKey), passphrase);
            }
            catch (Exception e)
            {
                throw new InvalidOperationException(
                    $"Cannot decrypt {Where}: the passphrase ({CaPassphrase.EnvironmentVariable}) differs from the one the first instance used, or the row is damaged ({e.Message}).", e);
            }
            if (!CaKeyFiles.KeyMatches(chain[0], key))
                throw new InvalidOperationException($"The key of {Where} does not belong to its certificate.");
            return (chain, key);
        }

        public void Save(IReadOnlyList<X509Certificate> chain, AsymmetricKeyParameter key, char[] passphrase, int iterations) =>
            Write(Pem.Certificates(chain), Pbes2.ToEncryptedPem(key, passphrase, iterations));

        private IReadOnlyList<X509Certificate> Certificates(string pem)
        {
            var chain = new X509CertificateParser().ReadCertificates(Encoding.ASCII.GetBytes(pem)).ToList();
            return chain.Count == 0 ? throw new InvalidOperationException($"{Where} holds no certificate.") : chain;
        }

        private void Write(string certificatePem, string encryptedKey)
        {
            using var connection = database.Open();
            using var command = StandaloneStore.Command(connection, null, """
                INSERT INTO ca_credentials (name, certificate_pem, encrypted_key, saved_at) VALUES (@name, @pem, @key, @now)
                ON CONFLICT (name) DO UPDATE SET certificate_pem = excluded.certificate_pem, encrypted_key = excluded.encrypted_key, saved_at = excluded.saved_at
                """,
                ("@name", name), ("@pem", certificatePem), ("@key", encryptedKey),
                ("@now", StandaloneDatabase.FormatTime(DateTimeOffset.UtcNow)));
            command.ExecuteNonQuery();
        }

        private (string Pem, string EncryptedKey)? Read()
        {
            using var connection = database.Open();
            using var command = StandaloneStore.Command(connection, null,
                "SELECT certificate_pem, encrypted_key FROM ca_credentials WHERE name = @name", ("@name", name));
            using var reader = command.ExecuteReader();
            return reader.Read() ? (reader.GetString(0), reader.GetString(1)) : null;
        }
    }
}
