using System.Collections.Concurrent;
using System.Security.Cryptography;
using PosAgent.Central.Storage;

namespace PosAgent.Central.Internal.Security;

/// <summary>Who is calling: a terminal bound to a store, or the operator.</summary>
internal sealed record Caller(CredentialRole Role, string CredentialId, string TerminalId, string StoreId)
{
    public static Caller Operator(string credentialId) => new(CredentialRole.Admin, credentialId, "admin:" + credentialId, "admin");
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

    public async Task<(CredentialRecord Record, string Token)> CreateAsync(CredentialRole role, string? terminalId, string? storeId, string description, CancellationToken cancellationToken)
    {
        var credentialId = Convert.ToHexStringLower(RandomNumberGenerator.GetBytes(8));
        var secret = RandomNumberGenerator.GetBytes(32);
        var record = new CredentialRecord(credentialId, role, terminalId, storeId, description, SHA256.HashData(secret), time.GetUtcNow(), null, null);
        await store.WriteAsync(async (s, ct) =>
        {
            if (role == CredentialRole.Terminal)
            {
                // A terminal stays in the store it was first bound to: moving it is a new terminal id.
                var existing = (await s.ListCredentialsAsync(CredentialRole.Terminal, ct))
                    .FirstOrDefault(c => c.TerminalId == terminalId && c.RevokedAt is null && c.StoreId != storeId);
                if (existing is not null)
                {
                    throw new TerminalBindingException($"terminal '{terminalId}' is bound to store '{existing.StoreId}'; revoke it first or use another terminal id");
                }
            }

            await s.InsertCredentialAsync(record, ct);
            return 0;
        }, cancellationToken).ConfigureAwait(false);
        return (record, $"{Prefix}.{credentialId}.{Base64Url(secret)}");
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
            : new Caller(CredentialRole.Terminal, record.CredentialId, record.TerminalId!, record.StoreId!);
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
