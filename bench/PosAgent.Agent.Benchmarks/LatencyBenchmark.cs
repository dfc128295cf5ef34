using System.Globalization;
using PosAgent.Contracts.PosAgent.V1;

namespace PosAgent.Agent.Benchmarks;

/// <summary>
/// Quote and commit latency over the Unix socket with durable commits, and in the same run the
/// two floors: one fsync of a small write on the same disk, and one empty call (Ping).
/// </summary>
internal static class LatencyBenchmark
{
    public static async Task<int> RunAsync(string[] args)
    {
        var iterations = int.Parse(BenchSupport.Arg(args, "--iterations", "2000"), CultureInfo.InvariantCulture);
        var folder = BenchSupport.Arg(args, "--dir", Path.Combine(Path.GetTempPath(), "pa-bench-" + Environment.ProcessId));
        Directory.CreateDirectory(folder);
        try
        {
            var options = new AgentOptions { DataDirectory = Path.Combine(folder, "agent"), ProgramsDirectory = BenchSupport.Programs };
            await using var host = await AgentHost.StartAsync(options);
            using var client = LocalApiClient.ForUnixSocket(host.SocketPath!);
            var card = BenchSupport.Card(1);
            host.Parts.Cards.Put(BenchSupport.Snapshot(card, 1_000_000));

            var fsync = Fsync(Path.Combine(options.DataDirectory, "fsync.probe"), iterations);
            var ping = new List<double>(iterations);
            var quote = new List<double>(iterations);
            var commit = new List<double>(iterations);
            var commitPoints = new List<double>(iterations);
            var fsyncInFlow = new List<double>(iterations);
            for (var i = 0; i < 200; i++)
            {
                await client.PingAsync();
            }

            for (var i = 0; i < iterations; i++)
            {
                var start = System.Diagnostics.Stopwatch.GetTimestamp();
                await client.PingAsync();
                ping.Add(BenchSupport.ElapsedMicroseconds(start));
            }

            var quoted = await OpenCheck(client, card, 5);
            for (var i = 0; i < iterations; i++)
            {
                var start = System.Diagnostics.Stopwatch.GetTimestamp();
                await client.QuoteAsync(new QuoteRequest { CheckId = quoted.CheckId });
                quote.Add(BenchSupport.ElapsedMicroseconds(start));
            }

            // Commits alternate cash / points; every third checkout of the loop is not committed
            // but replaced by one 64-byte write + fsync of a file in the same folder, timed the
            // same way: the fsync floor at the point of the checkout where a commit's fsync
            // happens (an fsync issued ~1 ms after the previous one, with the flow's CPU work in
            // between, costs more on this disk than one in a tight loop).
            using var inFlowProbe = new FileStream(Path.Combine(options.DataDirectory, "fsync-in-flow.probe"), FileMode.Create, FileAccess.Write, FileShare.None, 1, FileOptions.None);
            var probeBytes = new byte[64];
            for (var i = 0; i < iterations * 3 / 2; i++)
            {
                var check = await OpenCheck(client, card, 2);
                if (i % 3 == 2)
                {
                    await client.QuoteAsync(new QuoteRequest { CheckId = check.CheckId, Payment = new PaymentSplit { CashMinor = check.TotalMinor } });
                    var probeStart = System.Diagnostics.Stopwatch.GetTimestamp();
                    inFlowProbe.Write(probeBytes);
                    inFlowProbe.Flush(flushToDisk: true);
                    fsyncInFlow.Add(BenchSupport.ElapsedMicroseconds(probeStart));
                    await client.CancelCheckAsync(new CancelCheckRequest { CheckId = check.CheckId });
                    continue;
                }

                var points = i % 3 == 1;
                var payment = points ? new PaymentSplit { CashMinor = check.TotalMinor - 1000, Points = 10 } : new PaymentSplit { CashMinor = check.TotalMinor };
                // The POS quotes the payment it is about to commit (as a checkout does).
                await client.QuoteAsync(new QuoteRequest { CheckId = check.CheckId, Payment = payment });
                var start = System.Diagnostics.Stopwatch.GetTimestamp();
                await client.CommitAsync(new CommitRequest { CheckId = check.CheckId, Payment = payment });
                (points ? commitPoints : commit).Add(BenchSupport.ElapsedMicroseconds(start));
            }

            Console.WriteLine($"Agent local API over a Unix socket, {iterations} iterations each, durable commits (WAL, synchronous=FULL); milliseconds");
            Console.WriteLine("| Measurement                  |       n |      p50 |      p90 |      p99 |");
            Console.WriteLine("|------------------------------|---------|----------|----------|----------|");
            Console.WriteLine(BenchSupport.Percentiles("fsync floor (64 B + fsync)", fsync));
            Console.WriteLine(BenchSupport.Percentiles("fsync floor in the flow", fsyncInFlow));
            Console.WriteLine(BenchSupport.Percentiles("empty call floor (Ping)", ping));
            Console.WriteLine(BenchSupport.Percentiles("Quote (5 lines, card)", quote));
            Console.WriteLine(BenchSupport.Percentiles("Commit (cash)", commit));
            Console.WriteLine(BenchSupport.Percentiles("Commit (points, offline)", commitPoints));
            double P50(List<double> v) => v.Order().ElementAt(v.Count / 2) / 1000.0;
            var goal = P50(fsync) + P50(ping) + 0.2;
            Console.WriteLine(string.Create(CultureInfo.InvariantCulture, $"commit p50 {P50(commit):F3} ms vs goal fsync p50 + ping p50 + 0.2 = {goal:F3} ms ({(P50(commit) <= goal ? "met" : "NOT met")}); commit/ (fsync+ping) = {P50(commit) / (P50(fsync) + P50(ping)):F2}x"));
            var inFlowGoal = P50(fsyncInFlow) + P50(ping) + 0.2;
            Console.WriteLine(string.Create(CultureInfo.InvariantCulture, $"commit p50 {P50(commit):F3} ms vs in-flow fsync p50 + ping p50 + 0.2 = {inFlowGoal:F3} ms ({(P50(commit) <= inFlowGoal ? "met" : "NOT met")}); commit/ (in-flow fsync+ping) = {P50(commit) / (P50(fsyncInFlow) + P50(ping)):F2}x"));
            return 0;
        }
        finally
        {
            Directory.Delete(folder, recursive: true);
        }
    }

    private static async Task<Check> OpenCheck(LocalApiClient client, string card, int lines)
    {
        var check = await client.OpenCheckAsync(new OpenCheckRequest());
        for (var l = 0; l < lines; l++)
        {
            check = await client.AddLineAsync(new AddLineRequest { CheckId = check.CheckId, Name = "Item", Category = l % 2 == 0 ? "medical" : "dental", UnitPriceMinor = 150_000 + (l * 100), Quantity = 1 });
        }

        return await client.AttachCardAsync(new AttachCardRequest { CheckId = check.CheckId, CardNumber = card });
    }

    private static List<double> Fsync(string path, int iterations)
    {
        var samples = new List<double>(iterations);
        var payload = new byte[64];
        using var file = new FileStream(path, FileMode.Create, FileAccess.Write, FileShare.None, 1, FileOptions.None);
        for (var i = 0; i < iterations; i++)
        {
            var start = System.Diagnostics.Stopwatch.GetTimestamp();
            file.Write(payload);
            file.Flush(flushToDisk: true);
            samples.Add(BenchSupport.ElapsedMicroseconds(start));
        }

        return samples;
    }
}
