using System.Diagnostics;
using System.Globalization;
using PosAgent.Contracts.PosAgent.V1;

namespace PosAgent.Agent.Benchmarks;

/// <summary>
/// Commit latency with metrics off and on, in one run: two agents in this process, one without
/// telemetry and one with its Prometheus endpoint on (scraped once per round, as a collector
/// would), driven in interleaved rounds so both see the same machine. Reports each p50 and the ratio.
/// </summary>
internal static class MetricsOverheadBenchmark
{
    public static async Task<int> RunAsync(string[] args)
    {
        var iterations = int.Parse(BenchSupport.Arg(args, "--iterations", "2000"), CultureInfo.InvariantCulture);
        var rounds = int.Parse(BenchSupport.Arg(args, "--rounds", "10"), CultureInfo.InvariantCulture);
        var folder = Path.Combine(Path.GetTempPath(), "pa-bench-metrics-" + Environment.ProcessId);
        Directory.CreateDirectory(folder);
        try
        {
            await using var off = await AgentHost.StartAsync(new AgentOptions { DataDirectory = Path.Combine(folder, "off"), ProgramsDirectory = BenchSupport.Programs });
            var withMetrics = new AgentOptions { DataDirectory = Path.Combine(folder, "on"), ProgramsDirectory = BenchSupport.Programs };
            withMetrics.Telemetry.MetricsPort = 0;
            await using var on = await AgentHost.StartAsync(withMetrics);
            using var offClient = LocalApiClient.ForUnixSocket(off.SocketPath!);
            using var onClient = LocalApiClient.ForUnixSocket(on.SocketPath!);
            using var http = new HttpClient();
            var offSamples = new List<double>(iterations);
            var onSamples = new List<double>(iterations);
            await CommitsAsync(offClient, 300, []);
            await CommitsAsync(onClient, 300, []);
            var perRound = iterations / rounds;
            long scrapedBytes = 0;
            for (var r = 0; r < rounds; r++)
            {
                // Alternate which goes first, so neither always follows the other's checkpoint.
                if (r % 2 == 0)
                {
                    await CommitsAsync(offClient, perRound, offSamples);
                    await CommitsAsync(onClient, perRound, onSamples);
                }
                else
                {
                    await CommitsAsync(onClient, perRound, onSamples);
                    await CommitsAsync(offClient, perRound, offSamples);
                }

                scrapedBytes = (await http.GetByteArrayAsync(new Uri(on.MetricsAddress!))).Length;
            }

            double P(List<double> v, double q) => v.Order().ElementAt((int)Math.Ceiling(q * v.Count) - 1);
            Console.WriteLine($"Commit (cash, 1 line) over the Unix socket, two agents in one process, {perRound * rounds} commits each in {rounds} interleaved rounds; milliseconds");
            Console.WriteLine("| Agent                         |       n |      p50 |      p90 |      p99 |");
            Console.WriteLine("|-------------------------------|---------|----------|----------|----------|");
            foreach (var (name, v) in new[] { ("metrics off", offSamples), ("metrics on (Prometheus)", onSamples) })
            {
                Console.WriteLine(string.Create(CultureInfo.InvariantCulture, $"| {name,-29} | {v.Count,7} | {P(v, 0.5),8:F3} | {P(v, 0.9),8:F3} | {P(v, 0.99),8:F3} |"));
            }

            Console.WriteLine(string.Create(CultureInfo.InvariantCulture, $"commit p50 on / off = {P(onSamples, 0.5) / P(offSamples, 0.5):F3}; last scrape {scrapedBytes} bytes"));
            return 0;
        }
        finally
        {
            Directory.Delete(folder, recursive: true);
        }
    }

    private static async Task CommitsAsync(LocalApiClient client, int count, List<double> samples)
    {
        for (var i = 0; i < count; i++)
        {
            var check = await client.OpenCheckAsync(new OpenCheckRequest());
            await client.AddLineAsync(new AddLineRequest { CheckId = check.CheckId, Name = "Consultation", Category = "medical", UnitPriceMinor = 10_000, Quantity = 1 });
            var started = Stopwatch.GetTimestamp();
            await client.CommitAsync(new CommitRequest { CheckId = check.CheckId, Payment = new PaymentSplit { CashMinor = 10_000 } });
            samples.Add(Stopwatch.GetElapsedTime(started).TotalMilliseconds);
        }
    }
}
