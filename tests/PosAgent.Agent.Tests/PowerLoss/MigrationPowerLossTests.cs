using System.Diagnostics;
using System.Text.Json;
using Microsoft.Data.Sqlite;
using PosAgent.Agent.Tests.Support;
using PosAgent.Storage;
using PosAgent.TestSupport;
using PosAgent.TestSupport.PowerLoss;

namespace PosAgent.Agent.Tests.PowerLoss;

/// <summary>
/// An agent upgrade: a schema 1 database (yesterday's agent) holding acknowledged operations, on
/// the power-cut filesystem; the new agent migrates it at start (schema 1 to 5 copies every row
/// into new tables) and the power goes at a seeded point of that work. The database must open
/// afterwards, whole, at the old schema or the new one, with every operation in its outbox.
/// </summary>
[Collection(PowerLossCollection.Name)]
public sealed class MigrationPowerLossTests(Xunit.Abstractions.ITestOutputHelper output) : IAsyncLifetime
{
    private const int Cuts = 20;
    private const int Operations = 3000;
    private readonly TempDirectory _dir = new();
    private readonly Xunit.Abstractions.ITestOutputHelper _output = output;
    private LazyFsMount _fs = null!;

    public async Task InitializeAsync() => _fs = await LazyFsMount.MountAsync();

    public async Task DisposeAsync()
    {
        await _fs.DisposeAsync();
        _dir.Dispose();
    }

    [Fact]
    public async Task PowerLoss_SchemaMigrationCutMidway_DatabaseOpensWithEveryOperation()
    {
        var legacy = _dir.File("legacy.db");
        CreateSchemaOneDatabase(legacy);
        var random = new Random(27_0003);

        // How far the migration's WAL grows: the cut points are drawn over it.
        var data = _fs.File("data-0");
        await InstallLegacyAsync(legacy, data);
        await using (var calibration = await AgentProcess.StartAsync(data, "lane-upgrade", central: null, token: null, controlDirectory: _dir.Path))
        {
            calibration.Kill();
        }

        var walBytes = new FileInfo(Path.Combine(data, "agent.db-wal")).Length;
        Assert.True(walBytes > 100_000, $"the migration wrote only {walBytes} bytes of WAL: too small to cut in the middle");
        await _fs.CutPowerAsync();
        AssertWhole(data, 0);

        var cutsAtNewSchema = 0;
        for (var cut = 1; cut <= Cuts; cut++)
        {
            data = _fs.File($"data-{cut}");
            await InstallLegacyAsync(legacy, data);
            await RunAgentUntilWalReachesAsync(data, random.NextInt64(1, walBytes));
            await _fs.CutPowerAsync();
            cutsAtNewSchema += AssertWhole(data, cut) == 5 ? 1 : 0;
        }

        // The last one finishes its upgrade after the cut.
        await using (var agent = await AgentProcess.StartAsync(data, "lane-upgrade", central: null, token: null, controlDirectory: _dir.Path))
        {
            agent.Kill();
        }

        Assert.Equal(5, AssertWhole(data, Cuts + 1));
        _output.WriteLine($"{Cuts} cuts over {walBytes} bytes of migration WAL: {Cuts - cutsAtNewSchema} left schema 1, {cutsAtNewSchema} schema 5, every one whole with {Operations} operations");
        Assert.True(cutsAtNewSchema < Cuts, "every cut came after the migration had committed: none cut it midway");
    }

    /// <summary>Opens the database after a cut: it must be intact, at schema 1 or 5, with every operation. Returns the schema version.</summary>
    private static long AssertWhole(string data, int cut)
    {
        var ids = PowerLossWorkload.ReadIds(Path.Combine(data, "agent.db"), "SELECT op_id FROM outbox", cut);
        Assert.True(ids.Count == Operations, $"cut {cut}: {Operations - ids.Count} of {Operations} operations lost");
        using var connection = new SqliteConnection($"Data Source={Path.Combine(data, "agent.db")};Pooling=False;Mode=ReadOnly");
        connection.Open();
        using var command = connection.CreateCommand();
        command.CommandText = "PRAGMA user_version";
        var version = (long)command.ExecuteScalar()!;
        Assert.True(version is 1 or 5, $"cut {cut}: schema version {version}");
        return version;
    }

    /// <summary>Starts the agent on the folder and SIGKILLs it once its WAL holds <paramref name="bytes"/> (or it is ready).</summary>
    private async Task RunAgentUntilWalReachesAsync(string data, long bytes)
    {
        var config = _dir.File("upgrade.json");
        await File.WriteAllTextAsync(config, JsonSerializer.Serialize(new { terminalId = "lane-upgrade", dataDirectory = data, socketPath = _dir.File("upgrade.sock"), programsDirectory = Repo.ProgramsDirectory }));
        var start = new ProcessStartInfo(Path.Combine(AppContext.BaseDirectory, "posagent-agent")) { RedirectStandardOutput = true, RedirectStandardError = true, UseShellExecute = false };
        foreach (var arg in new[] { "run", "--config", config, "--log-level", "Warning" })
        {
            start.ArgumentList.Add(arg);
        }

        using var process = Process.Start(start)!;
        var ready = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        process.OutputDataReceived += (_, e) =>
        {
            if (e.Data?.StartsWith("posagent-agent ready", StringComparison.Ordinal) == true)
            {
                ready.TrySetResult();
            }
        };
        process.ErrorDataReceived += (_, _) => { };
        process.BeginOutputReadLine();
        process.BeginErrorReadLine();
        var wal = new FileInfo(Path.Combine(data, "agent.db-wal"));
        using var timeout = new CancellationTokenSource(TimeSpan.FromSeconds(60));
        while (!ready.Task.IsCompleted && !process.HasExited)
        {
            wal.Refresh();
            if (wal.Exists && wal.Length >= bytes)
            {
                break;
            }

            // Polled: the point to cut at is a size on disk, which nothing announces.
            await Task.Delay(1, timeout.Token);
        }

        process.Kill();
        await process.WaitForExitAsync().WithTimeout();
    }

    /// <summary>Puts the legacy database into a new folder on the filesystem, durably (file and folder names fsync'ed), as an installed agent had it.</summary>
    private async Task InstallLegacyAsync(string legacy, string data)
    {
        Directory.CreateDirectory(data);
        await using (var source = File.OpenRead(legacy))
        await using (var target = new FileStream(Path.Combine(data, "agent.db"), FileMode.CreateNew, FileAccess.Write))
        {
            await source.CopyToAsync(target);
            target.Flush(flushToDisk: true);
        }

        DurableFolder.Sync(data);
        DurableFolder.Sync(_fs.Path);
    }

    /// <summary>A schema 1 database as yesterday's agent created it, with <see cref="Operations"/> operations (1 KiB payloads, so the copy spills to the WAL as it goes).</summary>
    private static void CreateSchemaOneDatabase(string path)
    {
        using var connection = new SqliteConnection($"Data Source={path};Pooling=False");
        connection.Open();
        using var command = connection.CreateCommand();
        command.CommandText = $"""
            CREATE TABLE outbox (seq INTEGER PRIMARY KEY AUTOINCREMENT, op_id TEXT NOT NULL UNIQUE, kind TEXT NOT NULL, card_number TEXT,
                business_time INTEGER NOT NULL, created_at INTEGER NOT NULL, payload BLOB NOT NULL, state INTEGER NOT NULL, offline INTEGER NOT NULL,
                est_earned INTEGER NOT NULL, est_spent INTEGER NOT NULL, attempts INTEGER NOT NULL DEFAULT 0, last_error TEXT, result BLOB, synced_at INTEGER);
            CREATE INDEX outbox_state ON outbox(state, seq);
            CREATE TABLE sales (check_id TEXT PRIMARY KEY, op_id TEXT NOT NULL UNIQUE, check_proto BLOB NOT NULL, committed_at INTEGER NOT NULL);
            CREATE TABLE offline_redemptions (op_id TEXT PRIMARY KEY, card_number TEXT NOT NULL, points INTEGER NOT NULL, created_at INTEGER NOT NULL,
                confirmed INTEGER NOT NULL, overspent INTEGER NOT NULL DEFAULT 0);
            CREATE INDEX offline_redemptions_card ON offline_redemptions(card_number, confirmed);
            CREATE TABLE card_cache (card_number TEXT PRIMARY KEY, snapshot BLOB NOT NULL, fetched_at INTEGER NOT NULL);
            CREATE TABLE programs (program_id TEXT PRIMARY KEY, version TEXT NOT NULL, definition TEXT NOT NULL, fetched_at INTEGER NOT NULL);
            CREATE TABLE meta (key TEXT PRIMARY KEY, value TEXT NOT NULL);
            WITH RECURSIVE n(i) AS (SELECT 1 UNION ALL SELECT i + 1 FROM n WHERE i < {Operations})
            INSERT INTO outbox(op_id, kind, card_number, business_time, created_at, payload, state, offline, est_earned, est_spent)
                SELECT 'op-' || i, 'sale', '4000000000001', i, i, randomblob(1024), i % 2, 1, 5, 0 FROM n;
            INSERT INTO sales SELECT 'check-' || seq, op_id, x'0a00', seq FROM outbox;
            PRAGMA user_version = 1;
            """;
        command.ExecuteNonQuery();
    }
}
