using BenchmarkDotNet.Running;

namespace PosAgent.Devices.Benchmarks;

internal static class BenchmarkProgram
{
    /// <summary>
    /// "latency", "throughput" and "raster" (a 40-line Persian raster receipt: build vs wire time) run the device measurements against firmware-sim (real ptys, wall
    /// clock, many samples); anything else goes to BenchmarkDotNet (the parser micro-benchmarks).
    /// </summary>
    public static async Task<int> Main(string[] args)
    {
        switch (args.FirstOrDefault())
        {
            case "latency":
                await ScanLatency.RunAsync(args.Length > 1 ? int.Parse(args[1], System.Globalization.CultureInfo.InvariantCulture) : 300);
                return 0;
            case "throughput":
                await PrinterThroughput.RunAsync();
                return 0;
            case "raster":
                await RasterReceiptBenchmark.RunAsync(
                    args.Length > 1 ? int.Parse(args[1], System.Globalization.CultureInfo.InvariantCulture) : 40,
                    args.Length > 2 ? int.Parse(args[2], System.Globalization.CultureInfo.InvariantCulture) : 20);
                return 0;
            default:
                BenchmarkSwitcher.FromAssembly(typeof(BenchmarkProgram).Assembly).Run(args);
                return 0;
        }
    }
}
