using System.Diagnostics;
using System.Globalization;
using Google.Protobuf.WellKnownTypes;
using Microsoft.Extensions.Logging.Abstractions;
using PosAgent.Agent.Internal.Central;
using PosAgent.Agent.Internal.Storage;
using PosAgent.Central;
using PosAgent.Contracts.Loyalty.V1;

namespace PosAgent.Agent.Benchmarks;

/// <summary>
/// A backlog of offline sales (default 100,000, 2 lines each, spread over --cards cards, default 200) drained to
/// the real central service (in-process, SQLite, loopback h2c, terminal token): the time from
/// the agent's start until its outbox is empty.
/// </summary>
internal static class DrainBenchmark
{
    public static async Task<int> RunAsync(string[] args)
    {
        var count = int.Parse(BenchSupport.Arg(args, "--operations", "100000"), CultureInfo.InvariantCulture);
        var batch = int.Parse(BenchSupport.Arg(args, "--batch", "500"), CultureInfo.InvariantCulture);
        var inFlight = int.Parse(BenchSupport.Arg(args, "--in-flight", AgentDefaults.MaxBatchesInFlight.ToString(CultureInfo.InvariantCulture)), CultureInfo.InvariantCulture);
        var cardCount = int.Parse(BenchSupport.Arg(args, "--cards", "200"), CultureInfo.InvariantCulture);
        // --null-central: the same drain against an in-process stand-in that accepts every
        // transaction at once, to show the agent's own share of the time.
        var nullCentral = args.Contains("--null-central");
        var folder = Path.Combine(Path.GetTempPath(), "pa-drain-" + Environment.ProcessId);
        Directory.CreateDirectory(folder);
        try
        {
            var database = Path.Combine(folder, "central.db");
            var token = await CliToken(database, "terminal", "create", "lane-drain", "--store-id", "shop-1");
            var centralOptions = new CentralOptions { Store = database, ProgramsDirectory = BenchSupport.Programs, JobInterval = TimeSpan.Zero, StateDirectory = folder };
            centralOptions.Urls.Add("http://127.0.0.1:0");
            await using var central = await CentralServer.StartAsync(centralOptions, TimeProvider.System, NullLoggerFactory.Instance);
            var address = central.Addresses[0].Replace("[::]", "127.0.0.1", StringComparison.Ordinal);
            var cards = Enumerable.Range(1, cardCount).Select(BenchSupport.Card).ToArray();
            using (var registrar = new GrpcCentralClient(address, token, null))
            {
                foreach (var card in cards)
                {
                    await registrar.RegisterMemberAsync(new RegisterMemberRequest
                    {
                        RequestId = "reg-" + card,
                        ProgramId = "CSM",
                        FullName = "Bench Member",
                        Phone = "+79991234567",
                        PhoneConfirmed = true,
                        ConsentPersonalData = true,
                        CardNumber = card,
                    }, CancellationToken.None);
                }
            }

            var options = new AgentOptions
            {
                TerminalId = "lane-drain",
                DataDirectory = Path.Combine(folder, "agent"),
                ProgramsDirectory = BenchSupport.Programs,
                CentralAddress = address,
                CentralToken = token,
            };
            options.Sync.BatchSize = batch;
            options.Sync.MaxBatchesInFlight = inFlight;
            Directory.CreateDirectory(options.DataDirectory);
            var seeding = Stopwatch.StartNew();
            using (var store = AgentStore.Open(options.DatabasePath, TimeProvider.System))
            {
                var now = DateTimeOffset.UtcNow;
                var operations = new List<OutboxOperation>(count);
                for (var i = 0; i < count; i++)
                {
                    var id = Guid.CreateVersion7().ToString();
                    var card = cards[i % cards.Length];
                    var tx = new TerminalTransaction
                    {
                        TransactionId = id,
                        BusinessTime = Timestamp.FromDateTimeOffset(now.AddMilliseconds(-count + i)),
                        CardNumber = card,
                        TerminalId = options.TerminalId,
                        Offline = true,
                        Sale = new Sale
                        {
                            Lines =
                            {
                                new SaleLine { LineId = "1", Category = "medical", UnitPriceMinor = 150_000, Quantity = 1 },
                                new SaleLine { LineId = "2", Category = "dental", UnitPriceMinor = 30_050, Quantity = 1 },
                            },
                            Payments = { new Payment { Kind = PaymentKind.Cash, AmountMinor = 180_050 } },
                        },
                    };
                    operations.Add(new OutboxOperation(id, "sale", card, now, tx, true, 54, 0));
                }

                store.CommitMany(operations);
            }

            seeding.Stop();
            var drain = Stopwatch.StartNew();
            await using var host = await AgentHost.StartAsync(options, new AgentOverrides { CentralClient = nullCentral ? new NullCentral() : null }, CancellationToken.None);
            var pending = host.Parts.Store.CountOutbox().Pending;
            using var events = host.Parts.Events.Subscribe([Contracts.PosAgent.V1.EventKind.SyncState]);
            while (pending > 0)
            {
                // Woken by the worker's sync-state events (one per batch), re-checked every second.
                using var tick = new CancellationTokenSource(TimeSpan.FromSeconds(1));
                try
                {
                    await events.Reader.ReadAsync(tick.Token);
                }
                catch (OperationCanceledException)
                {
                }

                pending = host.Parts.Store.CountOutbox().Pending;
                if (drain.Elapsed > TimeSpan.FromMinutes(10))
                {
                    throw new TimeoutException($"{pending} operations still pending after 10 minutes");
                }
            }

            drain.Stop();
            var (_, parked, _) = host.Parts.Store.CountOutbox();
            Console.WriteLine(string.Create(CultureInfo.InvariantCulture, $"Drained {count:N0} offline sales (2 lines, {cardCount} cards) in batches of {batch} ({inFlight} in flight) to {(nullCentral ? "a null central (accepts at once, no network)" : "the central service (in-process, SQLite, h2c loopback)")}: {drain.Elapsed.TotalSeconds:F1} s = {count / drain.Elapsed.TotalSeconds:N0} operations/s; parked {parked}; seeding the outbox took {seeding.Elapsed.TotalSeconds:F1} s"));
            return parked == 0 ? 0 : 1;
        }
        finally
        {
            Directory.Delete(folder, recursive: true);
        }
    }

    /// <summary>Accepts every transaction at once: the agent's own cost of draining.</summary>
    private sealed class NullCentral : ICentralClient
    {
        public Task<SubmitTransactionsResponse> SubmitTransactionsAsync(SubmitTransactionsRequest request, CancellationToken cancellationToken)
        {
            var response = new SubmitTransactionsResponse();
            foreach (var t in request.Transactions)
            {
                response.Results.Add(new TransactionResult { TransactionId = t.TransactionId, Outcome = TransactionOutcome.Applied, PointsEarned = 54 });
            }

            return Task.FromResult(response);
        }

        public Task<AuthorizeRedemptionResponse> AuthorizeRedemptionAsync(AuthorizeRedemptionRequest request, CancellationToken cancellationToken) => throw new NotSupportedException();

        public Task<ReleaseRedemptionResponse> ReleaseRedemptionAsync(ReleaseRedemptionRequest request, CancellationToken cancellationToken) => throw new NotSupportedException();

        public Task<CardSnapshot> GetCardSnapshotAsync(GetCardSnapshotRequest request, CancellationToken cancellationToken) => throw new NotSupportedException();

        public Task<PullChangesResponse> PullChangesAsync(PullChangesRequest request, CancellationToken cancellationToken) => Task.FromResult(new PullChangesResponse { NextCursor = request.AfterCursor });

        public Task<ListProgramsResponse> ListProgramsAsync(ListProgramsRequest request, CancellationToken cancellationToken) => Task.FromResult(new ListProgramsResponse());

        public Task<ListRewardsResponse> ListRewardsAsync(ListRewardsRequest request, CancellationToken cancellationToken) => throw new NotSupportedException();

        public Task<RegisterMemberResponse> RegisterMemberAsync(RegisterMemberRequest request, CancellationToken cancellationToken) => throw new NotSupportedException();

        public Task<Card> IssueCardAsync(IssueCardRequest request, CancellationToken cancellationToken) => throw new NotSupportedException();

        public Task<ReplaceCardResponse> ReplaceCardAsync(ReplaceCardRequest request, CancellationToken cancellationToken) => throw new NotSupportedException();
    }

    private static async Task<string> CliToken(string database, params string[] command)
    {
        using var output = new StringWriter();
        using var error = new StringWriter();
        string[] args = ["--store", database, "--programs", BenchSupport.Programs, .. command];
        var code = await CentralCli.RunAsync(args, output, error);
        var line = output.ToString().Split('\n').FirstOrDefault(l => l.StartsWith("token: ", StringComparison.Ordinal));
        return code == 0 && line is not null ? line["token: ".Length..].Trim() : throw new InvalidOperationException(error.ToString());
    }
}
