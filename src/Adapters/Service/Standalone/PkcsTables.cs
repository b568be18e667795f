namespace CertConnector.Adapters.Service.Standalone;

/// <summary>The PKCS queue and its results in standalone.db.</summary>
internal static class PkcsTables
{
    public static readonly StandaloneTable Requests = new("pkcs_requests", """
        CREATE TABLE IF NOT EXISTS pkcs_requests (
            request_id         TEXT PRIMARY KEY NOT NULL,
            subject_name       TEXT NOT NULL,
            subject_alt_names  TEXT NOT NULL,
            template_name      TEXT NOT NULL,
            key_spec           TEXT NOT NULL,
            device_certificate BLOB NOT NULL,
            certificate_type   TEXT NOT NULL,
            on_premises_sid    TEXT,
            validity_days      INTEGER,
            enqueued_at        TEXT NOT NULL,
            lease_expires_at   TEXT,
            leased_by          TEXT,
            delivery_count     INTEGER NOT NULL DEFAULT 0,
            completed_at       TEXT
        );
        CREATE INDEX IF NOT EXISTS ix_pkcs_requests_pending ON pkcs_requests (enqueued_at) WHERE completed_at IS NULL;
        CREATE INDEX IF NOT EXISTS ix_pkcs_requests_enqueued ON pkcs_requests (enqueued_at);
        """,
        [
            StandaloneTable.AddColumn("pkcs_requests", "leased_by", "TEXT"), // 2: who holds a lease
        ]);

    public static readonly StandaloneTable Results = new("pkcs_results", """
        CREATE TABLE IF NOT EXISTS pkcs_results (
            request_id             TEXT PRIMARY KEY NOT NULL REFERENCES pkcs_requests (request_id),
            succeeded              INTEGER NOT NULL,
            error_code             TEXT,
            error_message          TEXT,
            encrypted_pfx          BLOB,
            encrypted_password     BLOB,
            certificate_der        BLOB,
            certificate_thumbprint TEXT,
            serial_number          TEXT,
            expiration_date_utc    TEXT,
            uploaded_at            TEXT NOT NULL,
            upload_count           INTEGER NOT NULL DEFAULT 1
        );
        """);
}
