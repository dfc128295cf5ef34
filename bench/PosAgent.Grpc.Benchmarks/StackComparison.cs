using System.Diagnostics;
using System.Globalization;

namespace PosAgent.Grpc.Benchmarks;

/// <summary>
/// Times every leg (stack x transport) in one process run: a single caller for p50/p99 alone, then
/// 16 concurrent callers for a fixed time (calls/s and p50 under that load). Legs are warmed up, then
/// run in rounds; within a round each leg's time is cut in short slices run leg after leg, the order
/// rotated and reversed at every slice, so the machine's drift and bursts (two cores shared with other
/// builds) fall on every leg alike. Each figure is the median over the rounds; each ratio is the median
/// of the ratios within a round (the two legs measured in the same seconds).
/// </summary>
internal sealed class StackComparison(IReadOnlyList<IStack> stacks, ComparisonOptions options)
{
    private const int Concurrency = 16;
    private static readonly CultureInfo Invariant = CultureInfo.InvariantCulture;

    public async Task RunAsync(TextWriter output)
    {
        var legs = stacks.SelectMany(s => s.Legs).ToList();
        var slices = Math.Max(1, (int)Math.Round(options.Duration / options.Slice));
        output.WriteLine(string.Create(Invariant,
            $"Unary Echo, {Payload.Size}-byte payload each way; alone: {options.SequentialCalls} calls one after another; under load: {Concurrency} callers for {options.Duration.TotalSeconds:0.##} s;"));
        output.WriteLine(string.Create(Invariant,
            $"per leg and round, both cut in {slices} slices run leg after leg (order rotated and reversed at each slice); {legs.Count} legs, {options.Rounds} rounds;"));
        output.WriteLine(string.Create(Invariant,
            $"{Environment.ProcessorCount} cores; started {DateTime.UtcNow:yyyy-MM-dd HH:mm:ss} UTC, load average {LoadAverage()}."));

        foreach (var leg in legs)
        {
            await WarmUpAsync(leg.Call);
        }

        var results = legs.ToDictionary(l => l, _ => new List<LegResult>());
        var step = 0;
        for (var round = 0; round < options.Rounds; round++)
        {
            var samples = legs.ToDictionary(l => l, _ => new LegSamples());
            for (var slice = 0; slice < slices; slice++, step++)
            {
                var calls = (options.SequentialCalls / slices) + (slice < options.SequentialCalls % slices ? 1 : 0);
                foreach (var leg in Order(legs, step))
                {
                    await AloneAsync(leg.Call, calls, samples[leg].Alone);
                    await UnderLoadAsync(leg.Call, options.Duration / slices, samples[leg]);
                }
            }

            foreach (var leg in legs)
            {
                results[leg].Add(samples[leg].Result());
            }

            output.WriteLine(string.Create(Invariant, $"round {round + 1} done {DateTime.UtcNow:HH:mm:ss} UTC, load average {LoadAverage()}"));
        }

        output.WriteLine();
        output.WriteLine("| stack | transport | p50 alone ms | p99 alone ms | calls/s, 16 callers | (rounds: min-max) | p50 under load ms | floor's calls/s / its |");
        output.WriteLine("| --- | --- | ---: | ---: | ---: | ---: | ---: | ---: |");
        foreach (var leg in legs)
        {
            var r = results[leg];
            var rates = r.Select(x => x.CallsPerSecond).ToArray();
            // The floor is the bare Kestrel leg of the same transport, paired round by round.
            var floor = legs.SingleOrDefault(l => l.Stack == BareKestrelStack.StackName && l.Transport == leg.Transport);
            var overFloor = floor is null ? "-" : Range(results[floor].Zip(r, (f, x) => f.CallsPerSecond / x.CallsPerSecond).ToArray());
            output.WriteLine(string.Create(Invariant,
                $"| {leg.Stack} | {leg.Transport} | {Median(r.Select(x => x.P50Alone)):0.000} | {Median(r.Select(x => x.P99Alone)):0.000} | {Median(rates):0} | {rates.Min():0}-{rates.Max():0} | {Median(r.Select(x => x.P50UnderLoad)):0.000} | {overFloor} |"));
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
            foreach (var leg in stack.Legs.Where(l => l.Against is null))
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

        var mixed = legs.Where(l => l.Against is not null).ToList();
        if (mixed.Count == 0)
        {
            return;
        }

        output.WriteLine();
        output.WriteLine("One end swapped, to see which end costs what (same form):");
        output.WriteLine("| leg | against | its calls/s / the other's | its p50 alone / the other's |");
        output.WriteLine("| --- | --- | ---: | ---: |");
        foreach (var leg in mixed)
        {
            var other = results[legs.Single(l => l.Name == leg.Against)];
            var mine = results[leg];
            var throughput = mine.Zip(other, (m, o) => m.CallsPerSecond / o.CallsPerSecond).ToArray();
            var latency = mine.Zip(other, (m, o) => m.P50Alone / o.P50Alone).ToArray();
            output.WriteLine($"| {leg.Name} | {leg.Against} | {Range(throughput)} | {Range(latency)} |");
        }
    }

    private static string Range(double[] values) =>
        string.Create(Invariant, $"{Median(values):0.00}x [{values.Min():0.00}-{values.Max():0.00}]");

    /// <summary>Each step starts at another leg (3 is prime to the usual 8-11 legs) and every other step runs backwards.</summary>
    private static IEnumerable<Leg> Order(List<Leg> legs, int step)
    {
        var offset = step * 3 % legs.Count;
        var rotated = legs.Skip(offset).Concat(legs.Take(offset));
        return step % 2 == 0 ? rotated : rotated.Reverse();
    }

    private async Task WarmUpAsync(Func<Task> call)
    {
        await AloneAsync(call, 300, []);
        await UnderLoadAsync(call, options.WarmUp, new LegSamples());
    }

    private static async Task AloneAsync(Func<Task> call, int calls, List<double> samples)
    {
        for (var i = 0; i < calls; i++)
        {
            var start = Stopwatch.GetTimestamp();
            await call();
            samples.Add(Stopwatch.GetElapsedTime(start).TotalMilliseconds);
        }
    }

    private static async Task UnderLoadAsync(Func<Task> call, TimeSpan duration, LegSamples samples)
    {
        var start = Stopwatch.GetTimestamp();
        var stopAt = start + (long)(duration.TotalSeconds * Stopwatch.Frequency);
        var workers = new Task<List<long>>[Concurrency];
        for (var w = 0; w < workers.Length; w++)
        {
            workers[w] = Task.Run(async () =>
            {
                var latencies = new List<long>(4096);
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

        foreach (var latencies in await Task.WhenAll(workers))
        {
            samples.Calls += latencies.Count;
            samples.UnderLoad.AddRange(latencies);
        }

        samples.Seconds += Stopwatch.GetElapsedTime(start).TotalSeconds;
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

    /// <summary>One leg's samples over one round's slices.</summary>
    private sealed class LegSamples
    {
        public List<double> Alone { get; } = [];

        public List<long> UnderLoad { get; } = [];

        public long Calls { get; set; }

        public double Seconds { get; set; }

        public LegResult Result()
        {
            var alone = Alone.Order().ToArray();
            var loaded = UnderLoad.Order().ToArray();
            return new LegResult(
                alone[alone.Length / 2],
                alone[(int)(alone.Length * 0.99)],
                Calls / Seconds,
                loaded[loaded.Length / 2] * 1000.0 / Stopwatch.Frequency);
        }
    }
}

/// <summary>How long each leg runs; the defaults keep a whole run near a minute on a shared machine.</summary>
internal sealed record ComparisonOptions(TimeSpan Duration, int Rounds, int SequentialCalls, TimeSpan WarmUp, TimeSpan Slice);
