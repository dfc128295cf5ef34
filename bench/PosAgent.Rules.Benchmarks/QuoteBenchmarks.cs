using BenchmarkDotNet.Attributes;
using PosAgent.Rules;

namespace PosAgent.Rules.Benchmarks;

/// <summary>
/// Quote of a 30-line basket on an account with 200 lots (goal: under 20 microseconds and 4 KB
/// allocated), and the full apply of the same sale for comparison.
/// </summary>
[MemoryDiagnoser]
[MedianColumn]
public class QuoteBenchmarks
{
    private static readonly DateTimeOffset Now = new(2026, 3, 3, 10, 0, 0, TimeSpan.Zero);

    private LoyaltyEngine _engine = null!;
    private AccountState _state = null!;
    private SaleRequest _sale = null!;

    [Params("inv-kz", "csm")]
    public string Program { get; set; } = "inv-kz";

    [GlobalSetup]
    public void Setup()
    {
        var program = LoyaltyProgram.Load(Path.Combine(AppContext.BaseDirectory, "programs", Program + ".json"));
        _engine = new LoyaltyEngine(program);
        var card = program.Card;
        var body = card.Prefixes[0] + new string('0', card.Length - 1 - card.Prefixes[0].Length - 1) + "1";
        var state = _engine.Enroll(new EnrollRequest
        {
            AccountId = "bench",
            CardNumber = body + card.ComputeCheckDigit(body),
            At = Now.AddYears(-1),
            QualifyingPaymentMinor = 1_000_000,
        }).State;

        var lots = new List<PointLot>(state.Lots);
        for (var i = lots.Count; i < 200; i++)
        {
            var credited = Now.AddDays(-300 + i);
            lots.Add(new PointLot
            {
                Id = $"seed-{i}#0",
                Kind = (LotKind)(i % 8),
                SourceTransactionId = $"seed-{i}",
                Amount = 50 + i,
                Remaining = 10 + i,
                CreditedAt = credited,
                UsableFrom = credited.AddDays(1),
                ExpiresAt = i % 3 == 0 ? null : credited.AddDays(400 + i),
            });
        }

        _state = state with { Lots = lots };
        var categories = program.Definition.Categories;
        var lines = new SaleLine[30];
        for (var i = 0; i < lines.Length; i++)
        {
            lines[i] = new SaleLine
            {
                Category = categories[i % categories.Count].Id,
                AmountMinor = 10_000 + (i * 1_237),
                Discounted = i % 7 == 0,
            };
        }

        _sale = new SaleRequest { TransactionId = "bench-sale", At = Now, Lines = lines, PointsToSpend = 500 };
    }

    [Benchmark(Baseline = true)]
    public SaleQuote Quote() => _engine.Quote(_state, _sale);

    [Benchmark]
    public OperationResult ApplySale() => _engine.ApplySale(_state, _sale);
}
