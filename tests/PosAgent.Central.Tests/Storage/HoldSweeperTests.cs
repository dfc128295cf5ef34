using Microsoft.Extensions.Logging.Abstractions;
using Microsoft.Extensions.Time.Testing;
using PosAgent.Central.Internal.Jobs;
using PosAgent.Central.Storage;
using PosAgent.Central.Tests.Support;
using PosAgent.TestSupport;

namespace PosAgent.Central.Tests.Storage;

/// <summary>
/// Expired redemption holds are deleted by a periodic sweep (#17), not only when their card is
/// authorized again: a card never seen again must not keep its holds forever. Time is a
/// FakeTimeProvider; the store is real (SQLite file, PostgreSQL database).
/// </summary>
public abstract class HoldSweeperContract<TProvider> : IClassFixture<TProvider>, IAsyncLifetime
    where TProvider : StoreProvider
{
    private static readonly DateTimeOffset Start = new(2026, 3, 2, 9, 0, 0, TimeSpan.Zero);
    private readonly TProvider _provider;
    private ILoyaltyStore _store = null!;

    protected HoldSweeperContract(TProvider provider) => _provider = provider;

    public async Task InitializeAsync() => _store = await _provider.OpenMigratedAsync();

    public async Task DisposeAsync() => await _store.DisposeAsync();

    [Fact]
    public async Task RunOnceAsync_HoldsOfSeveralCards_DeletesOnlyThoseExpiredAtThatInstant()
    {
        var p = Guid.NewGuid().ToString("N")[..8];
        await PutAsync($"{p}-a1", $"{p}-acc-a", Start.AddMinutes(5));
        await PutAsync($"{p}-b1", $"{p}-acc-b", Start.AddMinutes(10));
        await PutAsync($"{p}-b2", $"{p}-acc-b", Start.AddMinutes(30));
        var sweeper = new HoldSweeper(_store, new FakeTimeProvider(Start), NullLogger.Instance);

        var none = await sweeper.RunOnceAsync(Start, CancellationToken.None).WithTimeout();
        var two = await sweeper.RunOnceAsync(Start.AddMinutes(10), CancellationToken.None).WithTimeout();

        Assert.Equal(0, none);
        Assert.Equal(2, two);
        Assert.Null(await GetAsync($"{p}-a1"));
        Assert.Null(await GetAsync($"{p}-b1"));
        Assert.NotNull(await GetAsync($"{p}-b2"));
    }

    [Fact]
    public async Task Start_FakeClockPassesTheInterval_TimerSweepsTheExpiredHoldOfACardNeverAuthorizedAgain()
    {
        var p = Guid.NewGuid().ToString("N")[..8];
        var time = new FakeTimeProvider(Start);
        await PutAsync($"{p}-h", $"{p}-acc", Start.AddMinutes(15));
        await using var sweeper = new HoldSweeper(_store, time, NullLogger.Instance).Start(TimeSpan.FromMinutes(15));

        time.Advance(TimeSpan.FromMinutes(14));
        await sweeper.LastTick.WithTimeout();
        var beforeTick = await GetAsync($"{p}-h");
        time.Advance(TimeSpan.FromMinutes(1));
        await sweeper.LastTick.WithTimeout();
        var afterTick = await GetAsync($"{p}-h");

        Assert.NotNull(beforeTick);
        Assert.Null(afterTick);
    }

    private Task PutAsync(string id, string account, DateTimeOffset expires) =>
        _store.WriteAsync(async (s, ct) =>
        {
            await s.PutHoldAsync(new HoldRecord(id, account, "lane-1", 100, Start, Start, expires), ct);
            return 0;
        }, CancellationToken.None).WithTimeout();

    private Task<HoldRecord?> GetAsync(string id) => _store.ReadAsync((s, ct) => s.GetHoldAsync(id, ct), CancellationToken.None).WithTimeout();
}

public sealed class SqliteHoldSweeperTests(SqliteStoreProvider provider) : HoldSweeperContract<SqliteStoreProvider>(provider);

public sealed class PostgresHoldSweeperTests(PostgresStoreProvider provider) : HoldSweeperContract<PostgresStoreProvider>(provider);
