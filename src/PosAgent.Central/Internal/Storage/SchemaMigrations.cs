namespace PosAgent.Central.Internal.Storage;

/// <summary>
/// The schema, as numbered steps applied in order and recorded in schema_migrations. A step is
/// never edited once released: change the schema by adding the next one, for both databases.
/// Times are UTC ticks (BIGINT); protobuf payloads are BLOB/BYTEA.
/// </summary>
internal static class SchemaMigrations
{
    private const string V1Common = """
        CREATE TABLE credentials (
            credential_id TEXT PRIMARY KEY,
            role INTEGER NOT NULL,
            terminal_id TEXT,
            store_id TEXT,
            description TEXT NOT NULL,
            secret_hash {BLOB} NOT NULL,
            created_at BIGINT NOT NULL,
            revoked_at BIGINT,
            last_seen_at BIGINT);
        CREATE INDEX ix_credentials_terminal ON credentials (terminal_id);
        CREATE TABLE programs (
            program_id TEXT NOT NULL,
            version TEXT NOT NULL,
            definition_json TEXT NOT NULL,
            name TEXT NOT NULL,
            currency TEXT NOT NULL,
            loaded_at BIGINT NOT NULL,
            active INTEGER NOT NULL,
            activated_at BIGINT,
            PRIMARY KEY (program_id, version));
        CREATE TABLE members (
            member_id TEXT PRIMARY KEY,
            request_id TEXT UNIQUE,
            phone TEXT NOT NULL,
            payload {BLOB} NOT NULL,
            registered_at BIGINT NOT NULL);
        CREATE INDEX ix_members_phone ON members (phone);
        CREATE TABLE accounts (
            account_id TEXT PRIMARY KEY,
            member_id TEXT NOT NULL REFERENCES members (member_id),
            program_id TEXT NOT NULL,
            state_json TEXT NOT NULL,
            version BIGINT NOT NULL,
            balance BIGINT NOT NULL,
            usable BIGINT NOT NULL,
            pending BIGINT NOT NULL,
            tier TEXT NOT NULL,
            status TEXT NOT NULL,
            joined_at BIGINT NOT NULL,
            updated_at BIGINT NOT NULL);
        CREATE INDEX ix_accounts_member ON accounts (member_id);
        CREATE TABLE cards (
            card_number TEXT PRIMARY KEY,
            account_id TEXT NOT NULL REFERENCES accounts (account_id),
            status INTEGER NOT NULL,
            issued_at BIGINT NOT NULL,
            valid_until BIGINT,
            replaced_by TEXT,
            reason TEXT,
            request_id TEXT UNIQUE);
        CREATE INDEX ix_cards_account ON cards (account_id);
        CREATE TABLE ledger (
            transaction_id TEXT PRIMARY KEY,
            account_id TEXT,
            terminal_id TEXT NOT NULL,
            store_id TEXT NOT NULL,
            kind TEXT NOT NULL,
            business_time BIGINT NOT NULL,
            applied_at BIGINT NOT NULL,
            outcome INTEGER NOT NULL,
            request {BLOB} NOT NULL,
            result {BLOB} NOT NULL);
        CREATE INDEX ix_ledger_account ON ledger (account_id, business_time);
        CREATE TABLE change_counter (id INTEGER PRIMARY KEY, value BIGINT NOT NULL);
        INSERT INTO change_counter (id, value) VALUES (1, 0);
        CREATE TABLE changes (
            cursor BIGINT PRIMARY KEY,
            time BIGINT NOT NULL,
            payload {BLOB} NOT NULL);
        CREATE TABLE job_runs (
            job TEXT NOT NULL,
            period TEXT NOT NULL,
            ran_at BIGINT NOT NULL,
            as_of BIGINT NOT NULL,
            accounts_affected BIGINT NOT NULL,
            points_delta BIGINT NOT NULL,
            PRIMARY KEY (job, period));
        """;

    /// <summary>
    /// No query of the service reads the ledger by account, and keeping that index cost every
    /// applied transaction one more random b-tree insert (a page written per sale, measured with
    /// the ingestion benchmark). An operator's history query by account scans the ledger.
    /// </summary>
    private const string V2DropLedgerAccountIndex = "DROP INDEX IF EXISTS ix_ledger_account;";

    /// <summary>
    /// Points an online authorization promised (AuthorizeRedemption) until the sale carrying its
    /// id is applied, it is released, or it expires. Read per account under the account's lock,
    /// so two instances authorizing one card see each other's holds (issue #17).
    /// </summary>
    private const string V3RedemptionHolds = """
        CREATE TABLE redemption_holds (
            authorization_id TEXT PRIMARY KEY,
            account_id TEXT NOT NULL,
            terminal_id TEXT NOT NULL,
            points BIGINT NOT NULL,
            business_time BIGINT NOT NULL,
            created_at BIGINT NOT NULL,
            expires_at BIGINT NOT NULL);
        CREATE INDEX ix_redemption_holds_account ON redemption_holds (account_id, expires_at);
        """;

    /// <summary>
    /// A card's history is paged from the ledger (#17: the snapshot no longer carries it), newest
    /// first; without an index each page would scan the whole ledger. It costs each applied
    /// transaction one more index insert, the price of a history that works at any size.
    /// </summary>
    private const string V4LedgerAccountHistoryIndex = "CREATE INDEX IF NOT EXISTS ix_ledger_account_history ON ledger (account_id, business_time, transaction_id);";

    /// <summary>
    /// Chain-scoped terminals (issue #18): a store belongs to one chain (set by the operator with
    /// the first terminal credential that names it, never changed after), and a terminal
    /// credential says whether the terminal acts for its store (0, the default every existing
    /// credential keeps) or for its store's whole chain (1).
    /// </summary>
    private const string V5TerminalScope = """
        ALTER TABLE credentials ADD COLUMN scope INTEGER NOT NULL DEFAULT 0;
        CREATE TABLE stores (
            store_id TEXT PRIMARY KEY,
            chain_id TEXT NOT NULL,
            assigned_at BIGINT NOT NULL);
        CREATE INDEX ix_stores_chain ON stores (chain_id);
        """;

    /// <summary>
    /// Orders folded out of account states (#17: a card's state, and the time to apply a sale to
    /// it, must not grow with every order): the state keeps recent orders and summaries, and the
    /// folded order records wait here for a refund of one of them. One row per sale, keyed by its
    /// transaction id; rewritten when a refunded order is folded again.
    /// </summary>
    private const string V6OrderArchive = """
        CREATE TABLE order_archive (
            transaction_id TEXT PRIMARY KEY,
            account_id TEXT NOT NULL,
            business_time BIGINT NOT NULL,
            order_json TEXT NOT NULL);
        """;

    public static IReadOnlyList<Migration> Sqlite { get; } =
    [
        new(1, "initial schema", V1Common.Replace("{BLOB}", "BLOB", StringComparison.Ordinal)),
        new(2, "drop the ledger's account index", V2DropLedgerAccountIndex),
        new(3, "redemption holds", V3RedemptionHolds),
        new(4, "ledger index for card history pages", V4LedgerAccountHistoryIndex),
        new(5, "terminal scope and store chains", V5TerminalScope),
        new(6, "order archive for folded card history", V6OrderArchive),
    ];

    public static IReadOnlyList<Migration> Postgres { get; } =
    [
        new(1, "initial schema", V1Common.Replace("{BLOB}", "BYTEA", StringComparison.Ordinal)),
        new(2, "drop the ledger's account index", V2DropLedgerAccountIndex),
        new(3, "redemption holds", V3RedemptionHolds),
        new(4, "ledger index for card history pages", V4LedgerAccountHistoryIndex),
        new(5, "terminal scope and store chains", V5TerminalScope),
        new(6, "order archive for folded card history", V6OrderArchive),
    ];
}
