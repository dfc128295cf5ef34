using System.Diagnostics;
using System.Globalization;

namespace PosAgent.Grpc.Benchmarks;

/// <summary>
/// Times every leg (stack x transport) in one process run: a single caller for p50/p99 alone, then
/// 16 concurrent callers for a fixed time (calls/s and p50 under that load). Legs are warmed up, then
/// run in rounds whose order is rotated and reversed from round to round, so the machine's drift (two
/// cores shared with other builds) falls on every leg alike. Each figure is the median over the rounds;
/// each ratio is the median of the ratios within a round (the two legs measured minutes apart at most).
/// </summary>
internal sealed class StackComparison(IReadOnlyList<IStack> stacks, ComparisonOptions options)
{
    private const int Concurrency = 16;
    private static readonly CultureInfo Invariant = CultureInfo.InvariantCulture;

    public async Task RunAsync(TextWriter output)
    {
        var legs = stacks.SelectMany(s => s.Legs).ToList();
        output.WriteLine(string.Create(Invariant,
            $"Unary Echo, {Payload.Size}-byte payload each way; alone: {options.SequentialCalls} calls one after another; under load: {Concurrency} callers for {options.Duration.TotalSeconds:0.#} s;"));
        output.WriteLine(string.Create(Invariant,
            $"{legs.Count} legs in {options.Rounds} rounds (order rotated and reversed each round); {Environment.ProcessorCount} cores; started {DateTime.UtcNow:yyyy-MM-dd HH:mm:ss} UTC, load average {LoadAverage()}."));

        foreach (var leg in legs)
        {
            await WarmUpAsync(leg.Call);
        }

        var results = legs.ToDictionary(l => l, _ => new List<LegResult>());
        for (var round = 0; round < options.Rounds; round++)
        {
            foreach (var leg in Order(legs, round))
            {
                var (p50, p99) = await AloneAsync(leg.Call);
                var (rate, loadedP50) = await UnderLoadAsync(leg.Call, options.Duration);
                results[leg].Add(new LegResult(p50, p99, rate, loadedP50));
            }

            output.WriteLine(string.Create(Invariant, $"round {round + 1} done {DateTime.UtcNow:HH:mm:ss} UTC, load average {LoadAverage()}"));
        }

        output.WriteLine();
        output.WriteLine("| stack | transport | p50 alone ms | p99 alone ms | calls/s, 16 callers | (rounds: min-max) | p50 under load ms |");
        output.WriteLine("| --- | --- | ---: | ---: | ---: | ---: | ---: |");
        foreach (var leg in legs)
        {
            var r = results[leg];
            var rates = r.Select(x => x.CallsPerSecond).ToArray();
            output.WriteLine(string.Create(Invariant,
                $"| {leg.Stack} | {leg.Transport} | {Median(r.Select(x => x.P50Alone)):0.000} | {Median(r.Select(x => x.P99Alone)):0.000} | {Median(rates):0} | {rates.Min():0}-{rates.Max():0} | {Median(r.Select(x => x.P50UnderLoad)):0.000} |"));
        }

        output.WriteLine();
        WriteRatios(output, legs, results);
    }

    private void WriteRatios(TextWriter output, List<Leg> legs, Dictionary<Leg, List<LegResult>> results)
    {
        output.WriteLine("Ratios, grpc-dotnet against each stack (median of the per-round ratios, min-max in brackets):");
        output.WriteLine("| against | transport | grpc-dotnet calls/s / its calls/s | its calls/s / grpc-dotnet's | grpc-dotnet p50 alone / its p50 | goal | met |");
        output.WriteLine("| --- | --- | ---: | ---: | ---: | --- | --- |");
        foreach (var stack in stacks.Where(s => s.Name != GrpcDotnetStack.StackName))
        {
            foreach (var leg in stack.Legs)
            {
                var ours = results[legs.Single(l => l.Stack == GrpcDotnetStack.StackName && l.Transport == leg.Transport)];
                var theirs = results[leg];
                var throughput = ours.Zip(theirs, (o, t) => o.CallsPerSecond / t.CallsPerSecond).ToArray();
                var inverse = throughput.Select(x => 1 / x).ToArray();
                var latency = ours.Zip(theirs, (o, t) => o.P50Alone / t.P50Alone).ToArray();
                var goal = stack.GrpcDotnetThroughputGoal;
                var met = goal is null ? "" : Median(throughput) >= goal.MinimumRatio ? "yes" : "no";
                output.WriteLine(string.Create(Invariant,
                    $"| {stack.Name} | {leg.Transport} | {Range(throughput)} | {Range(inverse)} | {Range(latency)} | {goal?.Text ?? "-"} | {met} |"));
            }
        }
    }

    private static string Range(double[] values) =>
        string.Create(Invariant, $"{Median(values):0.00}x [{values.Min():0.00}-{values.Max():0.00}]");

    private IEnumerable<Leg> Order(List<Leg> legs, int round)
    {
        var offset = round * legs.Count / options.Rounds % legs.Count;
        var rotated = legs.Skip(offset).Concat(legs.Take(offset));
        return round % 2 == 0 ? rotated : rotated.Reverse();
    }

    private async Task WarmUpAsync(Func<Task> call)
    {
        for (var i = 0; i < 300; i++)
        {
            await call();
        }

        await UnderLoadAsync(call, options.WarmUp);
    }

    private async Task<(double P50, double P99)> AloneAsync(Func<Task> call)
    {
        var samples = new double[options.SequentialCalls];
        for (var i = 0; i < samples.Length; i++)
        {
            var start = Stopwatch.GetTimestamp();
            await call();
            samples[i] = Stopwatch.GetElapsedTime(start).TotalMilliseconds;
        }

        Array.Sort(samples);
        return (samples[samples.Length / 2], samples[(int)(samples.Length * 0.99)]);
    }

    private static async Task<(double CallsPerSecond, double P50)> UnderLoadAsync(Func<Task> call, TimeSpan duration)
    {
        var stopAt = Stopwatch.GetTimestamp() + (long)(duration.TotalSeconds * Stopwatch.Frequency);
        var start = Stopwatch.GetTimestamp();
        var workers = new Task<List<long>>[Concurrency];
        for (var w = 0; w < workers.Length; w++)
        {
            workers[w] = Task.Run(async () =>
            {
                var latencies = new List<long>(16_384);
                var now = Stopwatch.GetTimestamp();
                while (now < stopAt)
                {
                    await call();
                    var end = Stopwatch.GetTimestamp();
                    latencies.Add(end - now);
                    now = end;
                }

                return latencies;
            });
        }

        var all = (await Task.WhenAll(workers)).SelectMany(l => l).ToArray();
        var elapsed = Stopwatch.GetElapsedTime(start).TotalSeconds;
        Array.Sort(all);
        return (all.Length / elapsed, all.Length == 0 ? double.NaN : all[all.Length / 2] * 1000.0 / Stopwatch.Frequency);
    }

    private static double Median(IEnumerable<double> values)
    {
        var sorted = values.Order().ToArray();
        return sorted.Length % 2 == 1 ? sorted[sorted.Length / 2] : (sorted[(sorted.Length / 2) - 1] + sorted[sorted.Length / 2]) / 2;
    }

    private static string LoadAverage()
    {
        try
        {
            return string.Join(' ', File.ReadAllText("/proc/loadavg").Split(' ').Take(3));
        }
        catch (IOException)
        {
            return "unknown";
        }
    }

    private sealed record LegResult(double P50Alone, double P99Alone, double CallsPerSecond, double P50UnderLoad);
}

/// <summary>How long each leg runs; the defaults keep a whole run near a minute on a shared machine.</summary>
internal sealed record ComparisonOptions(TimeSpan Duration, int Rounds, int SequentialCalls, TimeSpan WarmUp);
