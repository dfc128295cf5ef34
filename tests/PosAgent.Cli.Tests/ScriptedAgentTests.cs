using System.Threading.Channels;
using Google.Protobuf;
using Google.Protobuf.WellKnownTypes;
using Grpc.Core;
using PosAgent.Contracts.PosAgent.V1;
using ConnectivityState = PosAgent.Contracts.PosAgent.V1.ConnectivityState;

namespace PosAgent.Cli.Tests;

/// <summary>
/// The CLI against a real gRPC server whose answers the test decides: the --json shape, an error
/// status passed through, the payment split it builds, the event stream, the sync progress.
/// </summary>
public sealed class ScriptedAgentTests
{
    private static readonly StatusResponse SampleStatus = new()
    {
        TerminalId = "lane-7",
        StoreId = "store-3",
        AgentVersion = "1.0.0",
        Central = new CentralStatus { State = ConnectivityState.Offline, Endpoint = "http://127.0.0.1:5070", LastError = "UNAVAILABLE: connection refused" },
        Outbox = new OutboxStatus { Pending = 12, Parked = 1, SyncedSinceStart = 40 },
        Devices = { new DeviceStatus { Name = "printer", Kind = DeviceKind.Printer, State = DeviceState.NotReady, Detail = "paper near end", Path = "/dev/pts/4" } },
        Programs = { new ProgramVersion { ProgramId = "INV-KZ", Version = "3" } },
        OfflineExposure = new OfflineExposure { PointsUnconfirmed = 250, Cards = 2 },
        StartedAt = Timestamp.FromDateTimeOffset(new DateTimeOffset(2026, 1, 5, 9, 0, 0, TimeSpan.Zero)),
        OpenChecks = 1,
    };

    [Fact]
    public async Task Status_Json_IsTheProtoJsonOfTheAgentsAnswer()
    {
        using var dir = new TempDirectory();
        await using var agent = await ScriptedAgent.StartAsync(dir, (_, terminal) =>
            terminal.OnGetStatus((_, _) => Task.FromResult(SampleStatus)));

        var run = await CliRun.RunAsync("status", "--json", "--socket", agent.SocketPath);

        Assert.Equal(0, run.ExitCode);
        Assert.Equal(SampleStatus, JsonParser.Default.Parse<StatusResponse>(run.Output));
        Assert.Contains("\"terminalId\": \"lane-7\"", run.Output, StringComparison.Ordinal);
        Assert.Contains("\"pending\": \"12\"", run.Output, StringComparison.Ordinal);
        Assert.Contains("\"state\": \"CONNECTIVITY_STATE_OFFLINE\"", run.Output, StringComparison.Ordinal);
        // Default values are written too, so scripts always find every field.
        Assert.Contains("\"pointsOverspentReported\": \"0\"", run.Output, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Status_Human_ShowsConnectivityBacklogAndDevices()
    {
        using var dir = new TempDirectory();
        await using var agent = await ScriptedAgent.StartAsync(dir, (_, terminal) =>
            terminal.OnGetStatus((_, _) => Task.FromResult(SampleStatus)));

        var run = await CliRun.RunAsync("status", "--socket", agent.SocketPath);

        Assert.Equal(0, run.ExitCode);
        Assert.Contains("agent lane-7 (store store-3)", run.Output, StringComparison.Ordinal);
        Assert.Contains("central: offline  http://127.0.0.1:5070", run.Output, StringComparison.Ordinal);
        Assert.Contains("last error: UNAVAILABLE: connection refused", run.Output, StringComparison.Ordinal);
        Assert.Contains("outbox: 12 pending", run.Output, StringComparison.Ordinal);
        Assert.Contains("1 parked", run.Output, StringComparison.Ordinal);
        Assert.Contains("offline exposure: 250 points unconfirmed on 2 card(s)", run.Output, StringComparison.Ordinal);
        Assert.Contains("paper near end", run.Output, StringComparison.Ordinal);
        Assert.Contains("INV-KZ", run.Output, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Quote_AgentAnswersInvalidArgument_ShowsTheCodeAndTheAgentsMessage()
    {
        using var dir = new TempDirectory();
        await using var agent = await ScriptedAgent.StartAsync(dir, (checks, _) =>
            checks.OnQuote((request, _) =>
                throw new RpcException(new Status(StatusCode.InvalidArgument, $"check_id: no check '{request.CheckId}' on this terminal"))));

        var run = await CliRun.RunAsync("quote", "c-404", "--socket", agent.SocketPath);

        Assert.Equal(1, run.ExitCode);
        Assert.Equal("posagent: INVALID_ARGUMENT: check_id: no check 'c-404' on this terminal", run.Error.Trim());
    }

    [Fact]
    public async Task Commit_PointsMax_PaysTheRestInCash()
    {
        using var dir = new TempDirectory();
        var committed = new TaskCompletionSource<CommitRequest>(TaskCreationOptions.RunContinuationsAsynchronously);
        await using var agent = await ScriptedAgent.StartAsync(dir, (checks, _) => checks
            .OnQuote((request, _) => Task.FromResult(new QuoteResponse
            {
                CheckId = request.CheckId, TotalMinor = 10_000, MinorPerPoint = 100, MaxPointsSpendable = 30, BindingLimit = "share_of_bill",
            }))
            .OnCommit((request, _) =>
            {
                committed.TrySetResult(request);
                return Task.FromResult(new CommitResponse { OperationId = "op-1", PointsSpent = request.Payment.Points, Pending = true, Check = new Check { CheckId = request.CheckId, TotalMinor = 10_000 } });
            }));

        var run = await CliRun.RunAsync("commit", "c-1", "--points", "max", "--bank-card", "2000", "--print", "--socket", agent.SocketPath);

        Assert.Equal(0, run.ExitCode);
        var request = await committed.Task.WithTimeout();
        Assert.Equal(new PaymentSplit { Points = 30, BankCardMinor = 2_000, CashMinor = 5_000 }, request.Payment);
        Assert.True(request.PrintReceipt);
        Assert.Contains("committed op-1  pending", run.Output, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Commit_PartsExceedTheTotal_IsRefusedBeforeCommitting()
    {
        using var dir = new TempDirectory();
        var commits = 0;
        await using var agent = await ScriptedAgent.StartAsync(dir, (checks, _) => checks
            .OnQuote((request, _) => Task.FromResult(new QuoteResponse { CheckId = request.CheckId, TotalMinor = 10_000, MinorPerPoint = 100 }))
            .OnCommit((_, _) =>
            {
                Interlocked.Increment(ref commits);
                return Task.FromResult(new CommitResponse());
            }));

        var run = await CliRun.RunAsync("commit", "c-1", "--points", "150", "--socket", agent.SocketPath);

        Assert.Equal(2, run.ExitCode);
        Assert.Contains("The payment parts add up to 150.00 (150 points at 100 minor units each), more than the check's total 100.00.", run.Error, StringComparison.Ordinal);
        Assert.Equal(0, Volatile.Read(ref commits));
    }

    [Fact]
    public async Task Events_CountAndJson_WritesOneProtoJsonObjectPerLine()
    {
        using var dir = new TempDirectory();
        WatchEventsRequest? asked = null;
        await using var agent = await ScriptedAgent.StartAsync(dir, (_, terminal) =>
            terminal.OnWatchEvents(async (request, stream, context) =>
            {
                asked = request;
                await stream.WriteAsync(new AgentEvent { Sequence = 1, Scan = new ScanEvent { Device = "scanner", Symbology = "EAN-13", Data = "2000000000015", IsCard = true } });
                await stream.WriteAsync(new AgentEvent { Sequence = 2, SyncState = new SyncStateEvent { State = ConnectivityState.Online, Pending = 0 } });
                await stream.WriteAsync(new AgentEvent { Sequence = 3, Correction = new CorrectionEvent { OperationId = "op-9" } });
                await Task.Delay(Timeout.Infinite, context.CancellationToken);
            }));

        var run = await CliRun.RunAsync("events", "--count", "2", "--kind", "scan", "--kind", "sync", "--json", "--socket", agent.SocketPath);

        Assert.Equal(0, run.ExitCode);
        var lines = run.Output.Split('\n', StringSplitOptions.RemoveEmptyEntries);
        Assert.Equal(2, lines.Length);
        Assert.Equal("2000000000015", JsonParser.Default.Parse<AgentEvent>(lines[0]).Scan.Data);
        Assert.Equal(ConnectivityState.Online, JsonParser.Default.Parse<AgentEvent>(lines[1]).SyncState.State);
        Assert.Equal([EventKind.Scan, EventKind.SyncState], asked!.Kinds);
    }

    [Fact]
    public async Task Sync_BacklogDrains_ReportsEverythingSynced()
    {
        using var dir = new TempDirectory();
        var steps = Channel.CreateUnbounded<SyncStateEvent>();
        await using var agent = await ScriptedAgent.StartAsync(dir, (_, terminal) => terminal
            .OnSyncNow(async (_, _) =>
            {
                // The drain happens after the answer, as in the agent: pending 5 -> 2 -> 0.
                await steps.Writer.WriteAsync(new SyncStateEvent { State = ConnectivityState.Online, Pending = 2, SyncedInBatch = 3 });
                await steps.Writer.WriteAsync(new SyncStateEvent { State = ConnectivityState.Online, Pending = 0, SyncedInBatch = 2 });
                return new SyncNowResponse { Pending = 5, State = ConnectivityState.Online };
            })
            .OnWatchEvents(async (_, stream, context) =>
            {
                await foreach (var step in steps.Reader.ReadAllAsync(context.CancellationToken))
                {
                    await stream.WriteAsync(new AgentEvent { SyncState = step });
                }
            })
            .OnGetStatus((_, _) =>
                Task.FromResult(new StatusResponse { Outbox = new OutboxStatus { Pending = 0 }, Central = new CentralStatus { State = ConnectivityState.Online } })));

        var run = await CliRun.RunAsync("sync", "--socket", agent.SocketPath);

        Assert.Equal(0, run.ExitCode);
        Assert.Contains("5 synced, 0 pending, 0 parked; central online", run.Output, StringComparison.Ordinal);
        Assert.Contains("synced 5 of 5", run.Error, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Sync_CentralStaysOffline_FailsSayingHowManyArePending()
    {
        using var dir = new TempDirectory();
        var offline = new StatusResponse { Outbox = new OutboxStatus { Pending = 4 }, Central = new CentralStatus { State = ConnectivityState.Offline } };
        await using var agent = await ScriptedAgent.StartAsync(dir, (_, terminal) => terminal
            .OnSyncNow((_, _) => Task.FromResult(new SyncNowResponse { Pending = 4, State = ConnectivityState.Offline }))
            .OnGetStatus((_, _) => Task.FromResult(offline)));

        var run = await CliRun.RunAsync("sync", "--json", "--give-up-after", "0.5", "--socket", agent.SocketPath);

        Assert.Equal(1, run.ExitCode);
        Assert.Equal(new SyncNowResponse { Pending = 4, State = ConnectivityState.Offline }, JsonParser.Default.Parse<SyncNowResponse>(run.Output));
        Assert.Contains("The central service is unreachable: 4 operations are still pending", run.Error, StringComparison.Ordinal);
    }
}
