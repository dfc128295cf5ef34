using BenchmarkDotNet.Running;

namespace PosAgent.Agent.Benchmarks;

internal static class BenchmarkProgram
{
    public static async Task<int> Main(string[] args)
    {
        // Latency percentiles, drain throughput and memory over time are measured by our own
        // harness (BenchmarkDotNet reports means, not p99 of a durable round trip).
        switch (args.FirstOrDefault())
        {
            case "latency":
                return await LatencyBenchmark.RunAsync(args[1..]);
            case "drain":
                return await DrainBenchmark.RunAsync(args[1..]);
            case "store":
                return await StoreProbe.RunAsync(args[1..]);
            case "startup":
                return await StartupBenchmark.RunAsync(args[1..]);
            case "metrics":
                return await MetricsOverheadBenchmark.RunAsync(args[1..]);
            case "memory":
                return await MemoryBenchmark.RunAsync(args[1..]);
            case "print-queue":
                return await PrintQueueBenchmark.RunAsync(args[1..]);
            default:
                BenchmarkSwitcher.FromAssembly(typeof(BenchmarkProgram).Assembly).Run(args);
                return 0;
        }
    }
}
