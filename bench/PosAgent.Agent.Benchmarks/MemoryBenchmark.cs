using System.Diagnostics;
using System.Globalization;
using PosAgent.Contracts.PosAgent.V1;

namespace PosAgent.Agent.Benchmarks;

/// <summary>
/// One hour of a busy lane compressed: 12 checkouts a minute for 60 simulated minutes by default
/// (--per-minute) on 50 cards (--cards), each open + 3 lines + card + quote + commit, and every 10th a refund; the
/// resident set is sampled after each simulated minute (after a full GC, so it shows what is
/// kept, not what is waiting for collection).
/// </summary>
internal static class MemoryBenchmark
{
    public static async Task<int> RunAsync(string[] args)
    {
        var perMinute = int.Parse(BenchSupport.Arg(args, "--per-minute", "600"), CultureInfo.InvariantCulture);
        var minutes = int.Parse(BenchSupport.Arg(args, "--minutes", "60"), CultureInfo.InvariantCulture);
        var central = BenchSupport.Arg(args, "--central", string.Empty);
        var token = BenchSupport.Arg(args, "--token", string.Empty);
        var cardCount = int.Parse(BenchSupport.Arg(args, "--cards", "50"), CultureInfo.InvariantCulture);
        var folder = Path.Combine(Path.GetTempPath(), "pa-mem-" + Environment.ProcessId);
        Directory.CreateDirectory(folder);
        try
        {
            var options = new AgentOptions
            {
                DataDirectory = Path.Combine(folder, "agent"),
                ProgramsDirectory = BenchSupport.Programs,
                CentralAddress = central.Length > 0 ? central : null,
                CentralToken = token.Length > 0 ? token : null,
            };
            await using var host = await AgentHost.StartAsync(options);
            using var client = LocalApiClient.ForUnixSocket(host.SocketPath!);
            var cards = Enumerable.Range(1, cardCount).Select(BenchSupport.Card).ToArray();
            foreach (var card in cards)
            {
                host.Parts.Cards.Put(BenchSupport.Snapshot(card, 1_000_000));
            }

            using var events = new CancellationTokenSource();
            var watcher = Task.Run(async () =>
            {
                try
                {
                    await foreach (var _ in client.WatchEventsAsync(new WatchEventsRequest(), events.Token))
                    {
                    }
                }
                catch (Exception ex) when (ex is OperationCanceledException or Grpc.Core.RpcException)
                {
                }
            });
            var samples = new List<(int Minute, long Rss, long Managed)>();
            var total = Stopwatch.StartNew();
            var n = 0;
            for (var minute = 1; minute <= minutes; minute++)
            {
                for (var i = 0; i < perMinute; i++, n++)
                {
                    var card = cards[n % cards.Length];
                    var check = await client.OpenCheckAsync(new OpenCheckRequest { ClientReference = "R" + n });
                    for (var l = 0; l < 3; l++)
                    {
                        check = await client.AddLineAsync(new AddLineRequest { CheckId = check.CheckId, Name = "Service " + l, Category = "medical", UnitPriceMinor = 100_000 + l, Quantity = 1 });
                    }

                    await client.AttachCardAsync(new AttachCardRequest { CheckId = check.CheckId, CardNumber = card });
                    await client.QuoteAsync(new QuoteRequest { CheckId = check.CheckId });
                    var sale = await client.CommitAsync(new CommitRequest { CheckId = check.CheckId, Payment = new PaymentSplit { CashMinor = check.TotalMinor } });
                    if (n % 10 == 0)
                    {
                        await client.RefundAsync(new RefundRequest { OperationId = sale.OperationId });
                    }
                }

                GC.Collect();
                GC.WaitForPendingFinalizers();
                GC.Collect();
                using var self = Process.GetCurrentProcess();
                samples.Add((minute, self.WorkingSet64, GC.GetTotalMemory(false)));
            }

            await events.CancelAsync();
            await watcher;
            Console.WriteLine(string.Create(CultureInfo.InvariantCulture, $"{n} checkouts ({perMinute}/simulated minute x {minutes}) on {cardCount} cards in {total.Elapsed.TotalSeconds:F1} s; central: {(central.Length > 0 ? central : "none (offline, outbox grows on disk)")}"));
            Console.WriteLine("| minute | RSS MiB | managed heap MiB |");
            Console.WriteLine("|--------|---------|------------------|");
            foreach (var (minute, rss, managed) in samples.Where(s => s.Minute == 1 || s.Minute % 10 == 0))
            {
                Console.WriteLine(string.Create(CultureInfo.InvariantCulture, $"| {minute,6} | {rss / 1048576.0,7:F1} | {managed / 1048576.0,16:F1} |"));
            }

            var early = samples.Skip(samples.Count / 6).Take(samples.Count / 6).Average(s => s.Rss);
            var late = samples.TakeLast(samples.Count / 6).Average(s => s.Rss);
            Console.WriteLine(string.Create(CultureInfo.InvariantCulture, $"RSS late/early (last sixth vs second sixth): {late / early:F3}x"));
            return 0;
        }
        finally
        {
            Directory.Delete(folder, recursive: true);
        }
    }
}
