using System.Diagnostics;
using System.Globalization;

namespace PosAgent.Rules.Benchmarks;

/// <summary>
/// Apply time per sale on one INV-HP card as its history grows from 10 to 100,000 prior orders
/// (#17): what the central service does per sale with the account's state (read it from JSON, quote
/// the points part, apply, fold orders past the detail horizon out, write it back). One run builds
/// the card sale by sale (a 1,000 RUB lab order every 8 hours, each paying with all the points the
/// rules allow, so lots are spent as they become usable) and times the 80 sales after each
/// checkpoint (after a warm-up card of 3,000 sales, so the JIT has tiered up); the ratio 100,000/10 is from that one run.
/// </summary>
internal static class HistoryBenchmark
{
    private static readonly int[] Checkpoints = [10, 100, 1_000, 10_000, 100_000];
    private const int Window = 80;

    public static void Run(TextWriter output)
    {
        var program = LoyaltyProgram.Load(Path.Combine(AppContext.BaseDirectory, "programs", "inv-hp.json"));
        var engine = new LoyaltyEngine(program);
        Measure(engine, program, 3_000, null);
        Measure(engine, program, Checkpoints[^1] + Window, output);
    }

    private static void Measure(LoyaltyEngine engine, LoyaltyProgram program, int sales, TextWriter? output)
    {
        var start = new DateTimeOffset(1990, 1, 1, 9, 0, 0, TimeSpan.FromHours(3));
        var card = program.Card;
        var body = card.Prefixes[0] + new string('0', card.Length - 1 - card.Prefixes[0].Length - 1) + "7";
        var json = AccountStateJson.Serialize(engine.Enroll(new EnrollRequest { AccountId = "bench", CardNumber = body + card.ComputeCheckDigit(body), At = start }).State);
        var rows = new List<(int Prior, double MedianUs, double MeanUs, int StateBytes, int Orders, int Lots, long Folded)>();
        var times = new List<double>(Window);
        var last = sales;
        var ticksToUs = 1_000_000.0 / Stopwatch.Frequency;
        for (var n = 0; n < last; n++)
        {
            var at = start.AddHours(8 * (n + 1));
            var t0 = Stopwatch.GetTimestamp();
            var state = AccountStateJson.Deserialize(json);
            var sale = Sale(n, at, 0, 100_000);
            var points = engine.Quote(state, sale with { Payments = [] }).MaxPointsToSpend;
            var result = engine.ApplySale(state, Sale(n, at, points, 100_000));
            var fold = engine.FoldHistory(result.State, at);
            json = AccountStateJson.Serialize(fold.State);
            var t1 = Stopwatch.GetTimestamp();
            var checkpoint = Array.FindLastIndex(Checkpoints, c => n >= c && n < c + Window);
            if (checkpoint >= 0)
            {
                times.Add((t1 - t0) * ticksToUs);
                if (n == Checkpoints[checkpoint] + Window - 1)
                {
                    times.Sort();
                    rows.Add((Checkpoints[checkpoint], times[times.Count / 2], times.Average(), json.Length, fold.State.Orders.Count, fold.State.Lots.Count, fold.State.History?.Orders ?? 0));
                    times.Clear();
                }
            }
        }

        if (output is null)
        {
            return;
        }

        output.WriteLine("| prior orders | median µs/sale | mean µs/sale | state JSON bytes | orders in state | lots in state | orders folded (in History) |");
        output.WriteLine("|---:|---:|---:|---:|---:|---:|---:|");
        foreach (var r in rows)
        {
            output.WriteLine(string.Create(CultureInfo.InvariantCulture, $"| {r.Prior:N0} | {r.MedianUs:F1} | {r.MeanUs:F1} | {r.StateBytes:N0} | {r.Orders} | {r.Lots} | {r.Folded:N0} |"));
        }

        output.WriteLine(string.Create(CultureInfo.InvariantCulture, $"ratio 100,000/10 (median): {rows[^1].MedianUs / rows[0].MedianUs:F2}x; state bytes: {(double)rows[^1].StateBytes / rows[0].StateBytes:F2}x"));
    }

    private static SaleRequest Sale(int n, DateTimeOffset at, long points, long totalMinor)
    {
        return new SaleRequest
        {
            TransactionId = "s-" + n.ToString(CultureInfo.InvariantCulture),
            At = at,
            Lines = [new SaleLine { Category = "lab", AmountMinor = totalMinor }],
            Payments = [new Payment(PaymentType.Cash, totalMinor - (points * 100))],
            PointsToSpend = points,
        };
    }
}
