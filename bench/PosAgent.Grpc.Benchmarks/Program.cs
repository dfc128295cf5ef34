using System.Globalization;

namespace PosAgent.Grpc.Benchmarks;

internal static class Program
{
    private const string Usage = "usage: PosAgent.Grpc.Benchmarks [--seconds S (per leg and round, default 1)] [--rounds N (default 5)] [--calls N (alone, default 2000)]";

    /// <summary>Starts every stack, compares them in one run (see <see cref="StackComparison"/>), stops them.</summary>
    public static async Task<int> Main(string[] args)
    {
        ComparisonOptions options;
        try
        {
            options = Parse(args);
        }
        catch (FormatException ex)
        {
            await Console.Error.WriteLineAsync($"{ex.Message}\n{Usage}");
            return 2;
        }

        var starts = new Func<BenchSetup, Task<IStack>>[]
        {
            GrpcDotnetStack.StartAsync,
            BareKestrelStack.StartAsync,
            PythonGrpcioStack.StartAsync,
        };

        using var setup = new BenchSetup();
        var stacks = new List<IStack>();
        try
        {
            foreach (var start in starts)
            {
                stacks.Add(await start(setup));
            }

            await new StackComparison(stacks, options).RunAsync(Console.Out);
        }
        finally
        {
            foreach (var stack in stacks)
            {
                await stack.DisposeAsync();
            }
        }

        return 0;
    }

    private static ComparisonOptions Parse(string[] args)
    {
        double seconds = 1;
        var rounds = 5;
        var calls = 2000;
        for (var i = 0; i < args.Length; i++)
        {
            var value = i + 1 < args.Length ? args[i + 1] : throw new FormatException($"{args[i]} needs a value.");
            switch (args[i])
            {
                case "--seconds":
                    seconds = Positive(double.Parse(value, CultureInfo.InvariantCulture), args[i]);
                    break;
                case "--rounds":
                    rounds = (int)Positive(int.Parse(value, CultureInfo.InvariantCulture), args[i]);
                    break;
                case "--calls":
                    calls = (int)Positive(int.Parse(value, CultureInfo.InvariantCulture), args[i]);
                    break;
                default:
                    throw new FormatException($"Unknown argument '{args[i]}'.");
            }

            i++;
        }

        return new ComparisonOptions(TimeSpan.FromSeconds(seconds), rounds, calls, TimeSpan.FromSeconds(1), TimeSpan.FromSeconds(0.25));
    }

    private static double Positive(double value, string name) =>
        value > 0 ? value : throw new FormatException($"{name} must be positive (was {value.ToString(CultureInfo.InvariantCulture)}).");
}
