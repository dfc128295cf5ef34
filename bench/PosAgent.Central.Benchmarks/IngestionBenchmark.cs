using System.Diagnostics;
using System.Globalization;
using Google.Protobuf.WellKnownTypes;
using Grpc.Core;
using Microsoft.Extensions.Logging.Abstractions;
using Npgsql;
using PosAgent.Central.Internal.Security;
using PosAgent.Central.Internal.Service;
using PosAgent.Central.Storage;
using PosAgent.Contracts.Loyalty.V1;
using PosAgent.Hosting;
using PosAgent.Rules;
using Payment = PosAgent.Contracts.Loyalty.V1.Payment;
using SaleLine = PosAgent.Contracts.Loyalty.V1.SaleLine;

namespace PosAgent.Central.Benchmarks;

/// <summary>Drives SubmitTransactions from several terminals at once and reports transactions/s and batch latency percentiles.</summary>
internal static class IngestionBenchmark
{
    private static readonly string[] Categories = ["lab", "biomaterial", "lab", "ultrasound", "lab"];

    public static async Task<int> RunAsync(string[] args)
    {
        var transactions = Arg(args, "--transactions", 40_000);
        var batch = Arg(args, "--batch", 100);
        var clients = Arg(args, "--clients", 4);
        var cards = Arg(args, "--cards", 50_000);
        var warmUp = Arg(args, "--warmup", 8_000);
        var pg = ArgString(args, "--pg") ?? Environment.GetEnvironmentVariable("POSAGENT_TEST_PG");

        Console.WriteLine($"Ingestion: {transactions:N0} sales of 5 lines, batches of {batch}, {clients} terminals in parallel, {cards:N0} cards (a fifth of the sales on the tenth of the cards that are regulars, the rest spread evenly)");
        Console.WriteLine($"Machine: {Environment.ProcessorCount} cores, .NET {Environment.Version}");
        var results = new List<Result>();
        var dir = Directory.CreateTempSubdirectory("pa-central-bench-");
        try
        {
            results.Add(await RunStoreAsync("SQLite (WAL, synchronous=FULL)", Path.Combine(dir.FullName, "central.db"), transactions, warmUp, batch, clients, cards));
        }
        finally
        {
            Microsoft.Data.Sqlite.SqliteConnection.ClearAllPools();
            dir.Delete(recursive: true);
        }

        if (pg is not null)
        {
            var database = "pa_bench_" + Guid.NewGuid().ToString("N")[..8];
            await ExecuteAsync(pg, $"CREATE DATABASE {database}");
            try
            {
                var connection = new NpgsqlConnectionStringBuilder(pg) { Database = database, MaxPoolSize = 50 }.ToString();
                results.Add(await RunStoreAsync("PostgreSQL (fsync on)", connection, transactions, warmUp, batch, clients, cards));
            }
            finally
            {
                NpgsqlConnection.ClearAllPools();
                await ExecuteAsync(pg, $"DROP DATABASE IF EXISTS {database} WITH (FORCE)");
            }
        }
        else
        {
            Console.WriteLine("PostgreSQL skipped: give --pg or set POSAGENT_TEST_PG.");
        }

        Console.WriteLine();
        Console.WriteLine("| Store | Transactions | Batch | Terminals | tx/s | batch p50 (ms) | batch p99 (ms) | process CPU per tx (us) |");
        Console.WriteLine("| --- | ---: | ---: | ---: | ---: | ---: | ---: | ---: |");
        foreach (var r in results)
        {
            Console.WriteLine(string.Create(CultureInfo.InvariantCulture, $"| {r.Store} | {r.Transactions:N0} | {batch} | {clients} | {r.PerSecond:N0} | {r.P50:F1} | {r.P99:F1} | {r.CpuMicrosPerTx:F0} |"));
        }

        if (results.Count == 2)
        {
            Console.WriteLine(string.Create(CultureInfo.InvariantCulture, $"PostgreSQL / SQLite throughput ratio: {results[1].PerSecond / results[0].PerSecond:F2}"));
        }

        return 0;
    }

    private static async Task<Result> RunStoreAsync(string name, string store, int transactions, int warmUpTransactions, int batch, int clients, int cardCount)
    {
        var options = new CentralOptions { Store = store, StateDirectory = Path.GetTempPath(), JobInterval = TimeSpan.Zero, RateLimitPerSecond = 1_000_000, RateLimitBurst = 1_000_000 };
        options.Urls.Add("http://127.0.0.1:0");
        await using var server = await CentralServer.StartAsync(options, TimeProvider.System, NullLoggerFactory.Instance);
        var cards = await SeedCardsAsync(server.Store, cardCount);
        var credentials = new CredentialService(server.Store, TimeProvider.System, TimeSpan.FromMinutes(1));
        using var channel = GrpcChannels.ForAddress(server.Addresses[0]);
        var terminal = new LoyaltyTerminalService.LoyaltyTerminalServiceClient(channel);

        var tokens = new List<string>();
        for (var c = 0; c < clients; c++)
        {
            tokens.Add((await credentials.CreateAsync(CredentialRole.Terminal, $"bench-{c}", "bench-store", "benchmark", CancellationToken.None)).Token);
        }

        var perClient = transactions / clients / batch;
        var latencies = new List<double>[clients];
        var rejected = 0;
        // Warm-up before the clock starts: a service runs for days, so the figure is its steady state,
        // after the JIT's second tier has compiled the hot paths (that takes a few thousand calls).
        var warmUpRounds = Math.Max(1, warmUpTransactions / clients / batch);
        await Task.WhenAll(Enumerable.Range(0, clients).Select(c => SendAsync(c, warmUp: true)));
        var cpuBefore = Environment.CpuUsage.TotalTime;
        var clock = Stopwatch.StartNew();
        await Task.WhenAll(Enumerable.Range(0, clients).Select(c => SendAsync(c, warmUp: false)));
        clock.Stop();
        var cpu = Environment.CpuUsage.TotalTime - cpuBefore;

        var all = latencies.SelectMany(l => l).Order().ToList();
        var sent = perClient * batch * clients;
        if (rejected > 0)
        {
            Console.WriteLine($"{name}: {rejected} transactions rejected (should be 0)");
        }

        var result = new Result(name, sent, sent / clock.Elapsed.TotalSeconds, Percentile(all, 0.50), Percentile(all, 0.99), cpu.TotalMilliseconds * 1000 / sent);
        Console.WriteLine(string.Create(CultureInfo.InvariantCulture, $"{name}: {sent:N0} tx in {clock.Elapsed.TotalSeconds:F2} s = {result.PerSecond:N0} tx/s; batch p50 {result.P50:F1} ms, p99 {result.P99:F1} ms; process CPU {result.CpuMicrosPerTx:F0} us per tx (service and load generator together)"));
        return result;

        async Task SendAsync(int client, bool warmUp)
        {
            var random = new Random((client * 7919) + (warmUp ? 1 : 0));
            var headers = new Metadata { { "authorization", "Bearer " + tokens[client] } };
            var mine = latencies[client] ??= [];
            var rounds = warmUp ? warmUpRounds : perClient;
            for (var b = 0; b < rounds; b++)
            {
                var request = new SubmitTransactionsRequest();
                var now = DateTimeOffset.UtcNow;
                for (var i = 0; i < batch; i++)
                {
                    request.Transactions.Add(Sale(cards[Skewed(random, cards.Count)], now, random));
                }

                var started = Stopwatch.GetTimestamp();
                var response = await terminal.SubmitTransactionsAsync(request, new CallOptions(headers, DateTime.UtcNow.AddSeconds(60)));
                var elapsed = Stopwatch.GetElapsedTime(started).TotalMilliseconds;
                if (!warmUp)
                {
                    mine.Add(elapsed);
                }

                Interlocked.Add(ref rejected, response.Results.Count(r => r.Outcome != TransactionOutcome.Applied));
            }
        }
    }

    /// <summary>Registers the cards straight into the store (the engine's enrolment, 500 per transaction) so seeding does not dominate the run.</summary>
    private static async Task<List<string>> SeedCardsAsync(ILoyaltyStore store, int count)
    {
        var program = await store.ReadAsync((s, ct) => s.GetProgramAsync("INV-KZ", null, ct), CancellationToken.None)
            ?? throw new InvalidOperationException("program INV-KZ is not loaded (run from the repository, or give the programs folder)");
        var engine = new LoyaltyEngine(LoyaltyProgram.Parse(program.DefinitionJson, "INV-KZ"));
        var cards = new List<string>(count);
        var at = DateTimeOffset.UtcNow.AddDays(-1);
        for (var start = 0; start < count; start += 500)
        {
            var n = Math.Min(500, count - start);
            var chunk = new List<string>(n);
            await store.WriteAsync(async (s, ct) =>
            {
                chunk.Clear();
                for (var i = 0; i < n; i++)
                {
                    var card = AccountService.NewCardNumber(engine.Program.Card);
                    var member = "m-bench-" + Guid.NewGuid().ToString("N");
                    var account = "a-bench-" + Guid.NewGuid().ToString("N");
                    var state = engine.Enroll(new EnrollRequest { AccountId = account, CardNumber = card, At = at }).State;
                    var summary = engine.Summarize(state, at);
                    await s.InsertMemberAsync(new MemberRecord(member, null, "+77000000000", [], at), ct);
                    await s.InsertAccountAsync(new AccountRecord(account, member, "INV-KZ", AccountStateJson.Serialize(state), 1, ProtoMapping.Figures(summary), at, at), ct);
                    await s.InsertCardAsync(new CardRecord(card, account, CardStatus.Active, at, null, null, null, null), ct);
                    chunk.Add(card);
                }

                return 0;
            }, CancellationToken.None);
            cards.AddRange(chunk);
        }

        return cards;
    }

    private static TerminalTransaction Sale(string card, DateTimeOffset at, Random random)
    {
        var sale = new Sale();
        long total = 0;
        for (var l = 0; l < 5; l++)
        {
            var price = random.Next(500, 20_000) * 100L; // 500..20,000 KZT
            var quantity = random.Next(1, 3);
            sale.Lines.Add(new SaleLine { LineId = "l" + l, Category = Categories[l], UnitPriceMinor = price, Quantity = quantity });
            total += price * quantity;
        }

        var card1 = total * random.Next(30, 70) / 100;
        sale.Payments.Add(new Payment { Kind = PaymentKind.BankCard, AmountMinor = card1 });
        sale.Payments.Add(new Payment { Kind = PaymentKind.Cash, AmountMinor = total - card1 });
        return new TerminalTransaction
        {
            TransactionId = Guid.NewGuid().ToString("N"),
            BusinessTime = Timestamp.FromDateTimeOffset(at),
            CardNumber = card,
            Sale = sale,
        };
    }

    /// <summary>A card for the next sale: 20% go to the regulars (the first tenth of the cards), 80% anywhere.</summary>
    private static int Skewed(Random random, int count) =>
        random.NextDouble() < 0.2 ? random.Next(Math.Max(1, count / 10)) : random.Next(count);

    private static double Percentile(List<double> sorted, double p) =>
        sorted.Count == 0 ? 0 : sorted[Math.Min(sorted.Count - 1, (int)Math.Ceiling(p * sorted.Count) - 1)];

    private static async Task ExecuteAsync(string connection, string sql)
    {
        await using var c = new NpgsqlConnection(connection);
        await c.OpenAsync();
        await using var command = new NpgsqlCommand(sql, c);
        await command.ExecuteNonQueryAsync();
    }

    private static int Arg(string[] args, string name, int fallback) =>
        ArgString(args, name) is { } value ? int.Parse(value, CultureInfo.InvariantCulture) : fallback;

    private static string? ArgString(string[] args, string name)
    {
        var i = Array.IndexOf(args, name);
        return i >= 0 && i + 1 < args.Length ? args[i + 1] : null;
    }

    private sealed record Result(string Store, int Transactions, double PerSecond, double P50, double P99, double CpuMicrosPerTx);
}
