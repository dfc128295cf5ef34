namespace PosAgent.Central.Storage;

/// <summary>Which database a store runs on.</summary>
public enum StoreKind
{
    Sqlite,
    PostgreSql,
}

public enum CredentialRole
{
    Terminal = 1,
    Admin = 2,
}

/// <summary>Card lifecycle; the numbers match <c>CardState</c> in the protos.</summary>
public enum CardStatus
{
    Active = 1,
    Blocked = 2,
    Replaced = 3,
    Annulled = 4,
    Expired = 5,
}

/// <summary>What a terminal credential lets its terminal act for (issue #18).</summary>
public enum CredentialScope
{
    /// <summary>Its own store only (the default).</summary>
    Store = 0,

    /// <summary>Every store of its store's chain (a head-office till, a chain's service desk).</summary>
    Chain = 1,
}

/// <summary>
/// A bearer credential; only the SHA-256 of its secret is kept. <see cref="ChainId"/> is the chain
/// of <see cref="StoreId"/> (the stores table), read with the credential; null when the store has none.
/// </summary>
public sealed record CredentialRecord(
    string CredentialId,
    CredentialRole Role,
    string? TerminalId,
    string? StoreId,
    string Description,
    byte[] SecretHash,
    DateTimeOffset CreatedAt,
    DateTimeOffset? RevokedAt,
    DateTimeOffset? LastSeenAt,
    CredentialScope Scope = CredentialScope.Store,
    string? ChainId = null);

/// <summary>
/// Whose ledger entries a terminal may see: its store's, its chain's stores' when
/// <see cref="ChainId"/> is set, and the service's own operations on a card (enrolment, grants).
/// </summary>
public sealed record LedgerVisibility(string StoreId, string? ChainId);

public sealed record ProgramRecord(
    string ProgramId,
    string Version,
    string DefinitionJson,
    string Name,
    string Currency,
    DateTimeOffset LoadedAt,
    bool Active,
    DateTimeOffset? ActivatedAt);

/// <summary>A member; <see cref="Payload"/> is the protobuf <c>Member</c> (without accounts).</summary>
public sealed record MemberRecord(string MemberId, string? RequestId, string Phone, byte[] Payload, DateTimeOffset RegisteredAt);

/// <summary>Figures derived from the account state by the rules engine, kept as columns for reports.</summary>
public sealed record AccountFigures(long Balance, long Usable, long Pending, string Tier, string Status);

/// <summary>One account of one program; <see cref="StateJson"/> is the rules engine's model.</summary>
public sealed record AccountRecord(
    string AccountId,
    string MemberId,
    string ProgramId,
    string StateJson,
    long Version,
    AccountFigures Figures,
    DateTimeOffset JoinedAt,
    DateTimeOffset UpdatedAt);

public sealed record CardRecord(
    string CardNumber,
    string AccountId,
    CardStatus Status,
    DateTimeOffset IssuedAt,
    DateTimeOffset? ValidUntil,
    string? ReplacedBy,
    string? Reason,
    string? RequestId);

/// <summary>
/// One terminal transaction (or service operation) as applied, keyed by its globally unique id.
/// <see cref="Request"/> and <see cref="Result"/> are protobuf messages, returned verbatim to retries.
/// </summary>
public sealed record LedgerEntry(
    string TransactionId,
    string? AccountId,
    string TerminalId,
    string StoreId,
    string Kind,
    DateTimeOffset BusinessTime,
    DateTimeOffset AppliedAt,
    int Outcome,
    byte[] Request,
    byte[] Result);

public sealed record ChangeRecord(long Cursor, DateTimeOffset Time, byte[] Payload);

public sealed record JobRunRecord(string Job, string Period, DateTimeOffset RanAt, DateTimeOffset AsOf, long AccountsAffected, long PointsDelta);

/// <summary>Points outstanding for one program and tier (the liability report).</summary>
public sealed record LiabilityRecord(string ProgramId, string Tier, long Accounts, long Balance, long Usable, long Pending);

/// <summary>
/// Points an online authorization promised to a terminal: they count against the account's
/// balance and limits until the sale carrying <see cref="AuthorizationId"/> is applied, the
/// terminal releases them, or <see cref="ExpiresAt"/> passes.
/// </summary>
/// <summary>An order folded out of its account's state (#17), kept for a later refund of it.</summary>
public sealed record ArchivedOrder(string TransactionId, string AccountId, DateTimeOffset BusinessTime, string OrderJson);

public sealed record HoldRecord(
    string AuthorizationId,
    string AccountId,
    string TerminalId,
    long Points,
    DateTimeOffset BusinessTime,
    DateTimeOffset CreatedAt,
    DateTimeOffset ExpiresAt);
