using System.Collections.Concurrent;
using System.Security.Cryptography;
using PosAgent.Central.Internal.Service;
using PosAgent.Central.Storage;

namespace PosAgent.Central.Internal.Security;

/// <summary>
/// Who is calling: a terminal bound to a store (acting for that store, or for the store's chain
/// when its credential's scope says so), or the operator.
/// </summary>
internal sealed record Caller(CredentialRole Role, string CredentialId, string TerminalId, string StoreId, CredentialScope Scope = CredentialScope.Store, string? ChainId = null)
{
    public static Caller Operator(string credentialId) => new(CredentialRole.Admin, credentialId, "admin:" + credentialId, "admin");

    /// <summary>The chain this terminal acts for; null when it acts for its store only.</summary>
    public string? ActingChain => Role == CredentialRole.Terminal && Scope == CredentialScope.Chain ? ChainId : null;

    /// <summary>The ledger entries this caller may see; null for the operator (all of them).</summary>
    public LedgerVisibility? Visibility => Role == CredentialRole.Terminal ? new LedgerVisibility(StoreId, ActingChain) : null;

    /// <summary>
    /// Whether an operation made in <paramref name="storeId"/> is within this caller's scope:
    /// the operator sees all; a terminal its own store, and with chain scope every store whose
    /// chain (<paramref name="chainOf"/>: store id to chain id) is its own.
    /// </summary>
    public bool MayActFor(string storeId, IReadOnlyDictionary<string, string> chainOf) =>
        Role != CredentialRole.Terminal
        || string.Equals(storeId, StoreId, StringComparison.Ordinal)
        || (ActingChain is { } chain && chainOf.TryGetValue(storeId, out var other) && string.Equals(other, chain, StringComparison.Ordinal));
}

/// <summary>Why a call was refused before it reached its handler.</summary>
internal sealed class AuthenticationFailure(bool unauthenticated, string message) : Exception(message)
{
    /// <summary>True: UNAUTHENTICATED (no or unknown credential); false: PERMISSION_DENIED.</summary>
    public bool Unauthenticated { get; } = unauthenticated;
}

/// <summary>
/// Per-terminal bearer tokens "pa1.{credentialId}.{secret}": the secret is 32 random bytes, only
/// its SHA-256 is stored (a fast hash is enough for a 256-bit random secret, unlike a password).
/// Verified credentials are cached briefly so a batch does not cost a database read.
/// </summary>
internal sealed class CredentialService(ILoyaltyStore store, TimeProvider time, TimeSpan cacheTtl)
{
    private const string Prefix = "pa1";
    private readonly ConcurrentDictionary<string, (CredentialRecord Record, DateTimeOffset Until)> _cache = new(StringComparer.Ordinal);

    /// <summary>Store ids that name the service's own ledger entries, never a terminal's store.</summary>
    public static IReadOnlySet<string> ReservedStoreIds { get; } = new HashSet<string>(StringComparer.Ordinal) { "service", "admin" };

    /// <summary>
    /// Creates a credential. For a terminal, <paramref name="chainId"/> puts its store in that
    /// chain (a store stays in the chain it was first given), and <paramref name="scope"/> says
    /// whether it acts for its store or its store's chain (chain needs the store to be in one).
    /// </summary>
    public async Task<(CredentialRecord Record, string Token)> CreateAsync(
        CredentialRole role,
        string? terminalId,
        string? storeId,
        string description,
        CancellationToken cancellationToken,
        CredentialScope scope = CredentialScope.Store,
        string? chainId = null)
    {
        var credentialId = Convert.ToHexStringLower(RandomNumberGenerator.GetBytes(8));
        var secret = RandomNumberGenerator.GetBytes(32);
        var record = new CredentialRecord(credentialId, role, terminalId, storeId, description, SHA256.HashData(secret), time.GetUtcNow(), null, null, scope, null);
        if (role == CredentialRole.Terminal && storeId is not null && ReservedStoreIds.Contains(storeId))
        {
            throw new RequestValidationException("store_id", $"'{storeId}' is reserved for the service's own operations");
        }

        record = await store.WriteAsync(async (s, ct) =>
        {
            string? chain = null;
            if (role == CredentialRole.Terminal)
            {
                // A terminal stays in the store it was first bound to: moving it is a new terminal id.
                var existing = (await s.ListCredentialsAsync(CredentialRole.Terminal, ct))
                    .FirstOrDefault(c => c.TerminalId == terminalId && c.RevokedAt is null && c.StoreId != storeId);
                if (existing is not null)
                {
                    throw new TerminalBindingException($"terminal '{terminalId}' is bound to store '{existing.StoreId}'; revoke it first or use another terminal id");
                }

                chain = await PlaceStoreAsync(s, storeId!, chainId, scope, ct);
            }

            await s.InsertCredentialAsync(record, ct);
            return record with { ChainId = chain };
        }, cancellationToken).ConfigureAwait(false);
        return (record, $"{Prefix}.{credentialId}.{Base64Url(secret)}");
    }

    /// <summary>
    /// Changes what a terminal's active credentials let it act for, without a new token:
    /// <paramref name="scope"/> when given, and <paramref name="chainId"/> puts its store in a
    /// chain if the store has none yet. Returns the terminal's newest active credential.
    /// </summary>
    public async Task<CredentialRecord> UpdateTerminalAsync(string terminalId, CredentialScope? scope, string? chainId, CancellationToken cancellationToken)
    {
        var updated = await store.WriteAsync(async (s, ct) =>
        {
            var active = (await s.ListCredentialsAsync(CredentialRole.Terminal, ct)).LastOrDefault(c => c.TerminalId == terminalId && c.RevokedAt is null)
                ?? throw new NotFoundException($"terminal '{terminalId}' has no active credential");
            var newScope = scope ?? active.Scope;
            var chain = await PlaceStoreAsync(s, active.StoreId!, chainId, newScope, ct);
            if (newScope != active.Scope)
            {
                await s.SetCredentialScopeAsync(terminalId, newScope, ct);
            }

            return active with { Scope = newScope, ChainId = chain };
        }, cancellationToken).ConfigureAwait(false);
        _cache.Clear();
        return updated;
    }

    // The store's chain after this call: the one it had, or chainId for a store without one.
    private async Task<string?> PlaceStoreAsync(IStoreSession s, string storeId, string? chainId, CredentialScope scope, CancellationToken ct)
    {
        if (chainId is not null)
        {
            await s.InsertStoreChainAsync(storeId, chainId, time.GetUtcNow(), ct);
        }

        var chain = (await s.GetStoreChainsAsync([storeId], ct)).GetValueOrDefault(storeId);
        if (chainId is not null && chain != chainId)
        {
            throw new TerminalBindingException($"store '{storeId}' is in chain '{chain}'; a store stays in the chain it was first given");
        }

        if (scope == CredentialScope.Chain && chain is null)
        {
            throw new RequestValidationException("chain_id", $"is required for scope chain: store '{storeId}' is in no chain yet");
        }

        return chain;
    }

    public Task<IReadOnlyList<CredentialRecord>> ListAsync(CredentialRole role, CancellationToken cancellationToken) =>
        store.ReadAsync((s, ct) => s.ListCredentialsAsync(role, ct), cancellationToken);

    public async Task<int> RevokeAsync(CredentialRole role, string id, CancellationToken cancellationToken)
    {
        var count = await store.WriteAsync((s, ct) => s.RevokeCredentialsAsync(role, id, time.GetUtcNow(), ct), cancellationToken).ConfigureAwait(false);
        _cache.Clear();
        return count;
    }

    /// <summary>
    /// Checks an "authorization" header value; throws <see cref="AuthenticationFailure"/>.
    /// <paramref name="cachedOnly"/>: accept only a credential verified recently, without reading the
    /// store (for a peer over its allowance of failures).
    /// </summary>
    public async Task<Caller> AuthenticateAsync(string? authorization, CancellationToken cancellationToken, bool cachedOnly = false)
    {
        if (string.IsNullOrWhiteSpace(authorization))
        {
            throw new AuthenticationFailure(true, "missing credential: send 'authorization: Bearer <token>'");
        }

        const string bearer = "Bearer ";
        var token = authorization.StartsWith(bearer, StringComparison.OrdinalIgnoreCase) ? authorization[bearer.Length..].Trim() : authorization.Trim();
        var parts = token.Split('.');
        if (parts.Length != 3 || parts[0] != Prefix || parts[1].Length != 16)
        {
            throw new AuthenticationFailure(true, "malformed credential: expected a token made by 'posagent-central terminal create'");
        }

        var credentialId = parts[1];
        var now = time.GetUtcNow();
        CredentialRecord? record;
        if (_cache.TryGetValue(credentialId, out var cached) && cached.Until > now)
        {
            record = cached.Record;
        }
        else if (cachedOnly)
        {
            throw new AuthenticationFailure(true, "credential not verified recently");
        }
        else
        {
            record = await store.ReadAsync((s, ct) => s.GetCredentialAsync(credentialId, ct), cancellationToken).ConfigureAwait(false);
            if (record is not null)
            {
                _cache[credentialId] = (record, now + cacheTtl);
            }
        }

        byte[] secret;
        try
        {
            secret = FromBase64Url(parts[2]);
        }
        catch (FormatException)
        {
            throw new AuthenticationFailure(true, "malformed credential");
        }

        if (record is null || !CryptographicOperations.FixedTimeEquals(SHA256.HashData(secret), record.SecretHash))
        {
            throw new AuthenticationFailure(true, "unknown credential");
        }

        if (record.RevokedAt is not null)
        {
            throw new AuthenticationFailure(false, $"credential of '{record.TerminalId ?? record.CredentialId}' was revoked");
        }

        return record.Role == CredentialRole.Admin
            ? Caller.Operator(record.CredentialId)
            : new Caller(CredentialRole.Terminal, record.CredentialId, record.TerminalId!, record.StoreId!, record.Scope, record.ChainId);
    }

    private static string Base64Url(byte[] bytes) => Convert.ToBase64String(bytes).TrimEnd('=').Replace('+', '-').Replace('/', '_');

    private static byte[] FromBase64Url(string text)
    {
        var s = text.Replace('-', '+').Replace('_', '/');
        s += (s.Length % 4) switch { 2 => "==", 3 => "=", _ => string.Empty };
        return Convert.FromBase64String(s);
    }
}

/// <summary>A terminal id already bound to another store: it must be revoked first (FAILED_PRECONDITION).</summary>
internal sealed class TerminalBindingException(string message) : InvalidOperationException(message);
