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
        var rounds = int.Parse(BenchSupport.Arg(args, "--rounds", "10"), CultureInfo.InvariantCulture);
        var folder = BenchSupport.Arg(args, "--dir", Path.Combine(Path.GetTempPath(), "pa-bench-" + Environment.ProcessId));
        if (iterations < rounds || rounds < 1)
        {
            Console.Error.WriteLine("--iterations must be at least --rounds, and --rounds at least 1");
            return 2;
        }

        Directory.CreateDirectory(folder);
        try
        {
            var options = new AgentOptions { DataDirectory = Path.Combine(folder, "agent"), ProgramsDirectory = BenchSupport.Programs };
            var card = BenchSupport.Card(1);
            // By default the real posagent-agent runs in its own process, as at a checkout, where the
            // POS is another program; --in-process hosts it here, sharing one thread pool with the
            // client (--agent-process, the default, is still accepted).
            if (args.Contains("--in-process") && args.Contains("--agent-process"))
            {
                Console.Error.WriteLine("--in-process and --agent-process exclude each other");
                return 2;
            }

            var separate = !args.Contains("--in-process");
            await using var agent = separate
                ? await AgentUnderTest.StartProcessAsync(options, BenchSupport.Snapshot(card, 1_000_000), BenchSupport.Arg(args, "--agent-log-level", "Information"))
                : await AgentUnderTest.StartInProcessAsync(options, BenchSupport.Snapshot(card, 1_000_000));
            using var client = LocalApiClient.ForUnixSocket(agent.SocketPath);
            using var floorFile = new FileStream(Path.Combine(options.DataDirectory, "fsync.probe"), FileMode.Create, FileAccess.Write, FileShare.None, 1, FileOptions.None);
            using var inFlowFile = new FileStream(Path.Combine(options.DataDirectory, "fsync-in-flow.probe"), FileMode.Create, FileAccess.Write, FileShare.None, 1, FileOptions.None);
            var samples = new Samples(iterations);
            var flow = new Flow(client, card, floorFile, inFlowFile);

            // Warm-up, not recorded: every call type until the JIT has settled on its final code.
            await flow.RoundAsync(new Samples(600), 600);

            // The measurements are interleaved in rounds, so the floors and the calls they bound
            // see the same machine: on a shared host the disk and the CPUs drift over a run.
            var perRound = iterations / rounds;
            for (var r = 0; r < rounds; r++)
            {
                await flow.RoundAsync(samples, perRound);
            }

            Console.WriteLine($"Agent local API over a Unix socket ({(separate ? "posagent-agent in its own process" : "agent in the benchmark's process")}), {perRound * rounds} iterations each in {rounds} interleaved rounds, durable commits (WAL, synchronous=FULL); milliseconds");
            Console.WriteLine("| Measurement                  |       n |      p50 |      p90 |      p99 |");
            Console.WriteLine("|------------------------------|---------|----------|----------|----------|");
            Console.WriteLine(BenchSupport.Percentiles("fsync floor (64 B + fsync)", samples.Fsync));
            Console.WriteLine(BenchSupport.Percentiles("fsync floor in the flow", samples.FsyncInFlow));
            Console.WriteLine(BenchSupport.Percentiles("empty call floor (Ping)", samples.Ping));
            Console.WriteLine(BenchSupport.Percentiles("empty call floor in the flow", samples.PingInFlow));
            Console.WriteLine(BenchSupport.Percentiles("Quote (5 lines, card)", samples.Quote));
            Console.WriteLine(BenchSupport.Percentiles("Commit (cash)", samples.Commit));
            Console.WriteLine(BenchSupport.Percentiles("Commit (points, offline)", samples.CommitPoints));
            double P50(List<double> v) => v.Order().ElementAt(v.Count / 2) / 1000.0;
            var commit = P50(samples.Commit);
            var goal = P50(samples.Fsync) + P50(samples.Ping) + 0.2;
            Console.WriteLine(string.Create(CultureInfo.InvariantCulture, $"commit p50 {commit:F3} ms vs goal fsync p50 + ping p50 + 0.2 = {goal:F3} ms ({(commit <= goal ? "met" : "NOT met")}); commit / (fsync + ping) = {commit / (P50(samples.Fsync) + P50(samples.Ping)):F2}x"));
            var inFlowGoal = P50(samples.FsyncInFlow) + P50(samples.PingInFlow) + 0.2;
            Console.WriteLine(string.Create(CultureInfo.InvariantCulture, $"commit p50 {commit:F3} ms vs the floors in the flow: fsync p50 + ping p50 + 0.2 = {inFlowGoal:F3} ms ({(commit <= inFlowGoal ? "met" : "NOT met")})"));
            var quoteP99 = samples.Quote.Order().ElementAt((int)Math.Ceiling(0.99 * samples.Quote.Count) - 1) / 1000.0;
            Console.WriteLine(string.Create(CultureInfo.InvariantCulture, $"quote p99 {quoteP99:F3} ms vs goal 2 ms ({(quoteP99 < 2 ? "met" : "NOT met")})"));
            return 0;
        }
        finally
        {
            Directory.Delete(folder, recursive: true);
        }
    }

    private sealed class Samples(int capacity)
    {
        public List<double> Fsync { get; } = new(capacity);

        public List<double> FsyncInFlow { get; } = new(capacity / 2);

        public List<double> Ping { get; } = new(capacity);

        public List<double> PingInFlow { get; } = new(capacity / 2);

        public List<double> Quote { get; } = new(capacity);

        public List<double> Commit { get; } = new(capacity / 2);

        public List<double> CommitPoints { get; } = new(capacity / 2);
    }

    /// <summary>One round: n fsyncs in a tight loop, n pings, n quotes, then 1.5 n checkouts.</summary>
    private sealed class Flow(LocalApiClient client, string card, FileStream floorFile, FileStream inFlowFile)
    {
        private readonly byte[] _probeBytes = new byte[64];

        public async Task RoundAsync(Samples samples, int n)
        {
            for (var i = 0; i < n; i++)
            {
                samples.Fsync.Add(TimedFsync(floorFile));
            }

            for (var i = 0; i < n; i++)
            {
                var start = System.Diagnostics.Stopwatch.GetTimestamp();
                await client.PingAsync();
                samples.Ping.Add(BenchSupport.ElapsedMicroseconds(start));
            }

            var quoted = await OpenCheck(client, card, 5);
            for (var i = 0; i < n; i++)
            {
                var start = System.Diagnostics.Stopwatch.GetTimestamp();
                await client.QuoteAsync(new QuoteRequest { CheckId = quoted.CheckId });
                samples.Quote.Add(BenchSupport.ElapsedMicroseconds(start));
            }

            await client.CancelCheckAsync(new CancelCheckRequest { CheckId = quoted.CheckId });

            // Checkouts alternate cash / points; every third one is not committed but replaced by
            // one 64-byte write + fsync of a file in the same folder, then a Ping, each timed the
            // same way: the two floors at the point of the checkout where a commit happens. An
            // fsync issued ~1 ms after the previous one costs more on this disk than one in a
            // tight loop, and a call that comes after a wait finds the threads that serve it
            // asleep, where a tight loop finds them still spinning.
            for (var i = 0; i < n * 3 / 2; i++)
            {
                var check = await OpenCheck(client, card, 2);
                if (i % 3 == 2)
                {
                    await client.QuoteAsync(new QuoteRequest { CheckId = check.CheckId, Payment = new PaymentSplit { CashMinor = check.TotalMinor } });
                    samples.FsyncInFlow.Add(TimedFsync(inFlowFile));
                    var pingStart = System.Diagnostics.Stopwatch.GetTimestamp();
                    await client.PingAsync();
                    samples.PingInFlow.Add(BenchSupport.ElapsedMicroseconds(pingStart));
                    await client.CancelCheckAsync(new CancelCheckRequest { CheckId = check.CheckId });
                    continue;
                }

                var points = i % 3 == 1;
                var payment = points ? new PaymentSplit { CashMinor = check.TotalMinor - 1000, Points = 10 } : new PaymentSplit { CashMinor = check.TotalMinor };
                // The POS quotes the payment it is about to commit (as a checkout does).
                await client.QuoteAsync(new QuoteRequest { CheckId = check.CheckId, Payment = payment });
                var start = System.Diagnostics.Stopwatch.GetTimestamp();
                await client.CommitAsync(new CommitRequest { CheckId = check.CheckId, Payment = payment });
                (points ? samples.CommitPoints : samples.Commit).Add(BenchSupport.ElapsedMicroseconds(start));
            }
        }

        private double TimedFsync(FileStream file)
        {
            var start = System.Diagnostics.Stopwatch.GetTimestamp();
            file.Write(_probeBytes);
            file.Flush(flushToDisk: true);
            return BenchSupport.ElapsedMicroseconds(start);
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
}
