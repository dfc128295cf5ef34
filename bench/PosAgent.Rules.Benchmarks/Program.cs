using BenchmarkDotNet.Running;

namespace PosAgent.Rules.Benchmarks;

internal static class BenchmarkProgram
{
    public static void Main(string[] args)
    {
        // `history`: apply time per sale as one card's history grows (a one-run timing, not BenchmarkDotNet).
        if (args is ["history"])
        {
            HistoryBenchmark.Run(Console.Out);
            return;
        }

        BenchmarkSwitcher.FromAssembly(typeof(BenchmarkProgram).Assembly).Run(args);
    }
}
