using BenchmarkDotNet.Running;

namespace PosAgent.Rpc.Benchmarks;

internal static class BenchmarkProgram
{
    /// <summary>
    /// "compare [seconds]": the side-by-side unary comparison (ours TCP/UDS, bare Kestrel, python grpcio).
    /// Anything else goes to BenchmarkDotNet (e.g. --filter *Framing*).
    /// </summary>
    public static async Task<int> Main(string[] args)
    {
        if (args.Length > 0 && args[0] == "compare")
        {
            var seconds = args.Length > 1 ? int.Parse(args[1], System.Globalization.CultureInfo.InvariantCulture) : 5;
            await UnaryComparison.RunAsync(TimeSpan.FromSeconds(seconds));
            return 0;
        }

        BenchmarkSwitcher.FromAssembly(typeof(BenchmarkProgram).Assembly).Run(args);
        return 0;
    }
}
