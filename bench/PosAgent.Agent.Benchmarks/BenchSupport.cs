using System.Diagnostics;
using System.Globalization;
using PosAgent.Contracts.Loyalty.V1;
using PosAgent.Rules;

namespace PosAgent.Agent.Benchmarks;

internal static class BenchSupport
{
    public static string RepoRoot { get; } = FindRoot();

    public static string Programs => Path.Combine(RepoRoot, "programs");

    public static string Arg(string[] args, string name, string fallback)
    {
        var i = Array.IndexOf(args, name);
        return i >= 0 && i + 1 < args.Length ? args[i + 1] : fallback;
    }

    public static string Percentiles(string name, List<double> microseconds)
    {
        microseconds.Sort();
        double P(double p) => microseconds[Math.Min(microseconds.Count - 1, (int)Math.Ceiling(p * microseconds.Count) - 1)] / 1000.0;
        return string.Create(CultureInfo.InvariantCulture, $"| {name,-28} | {microseconds.Count,7} | {P(0.50),8:F3} | {P(0.90),8:F3} | {P(0.99),8:F3} |");
    }

    public static double ElapsedMicroseconds(long start) => Stopwatch.GetElapsedTime(start).TotalMicroseconds;

    public static string Card(int n) => WithLuhn("7800" + n.ToString("D11", CultureInfo.InvariantCulture));

    /// <summary>A cached CSM card snapshot with usable points in its engine state (what the central service sends).</summary>
    public static CardSnapshot Snapshot(string card, long usable)
    {
        var program = LoyaltyProgram.Load(Path.Combine(Programs, "csm.json"));
        var now = DateTimeOffset.UtcNow;
        var state = new AccountState
        {
            AccountId = "acc-" + card[^4..],
            ProgramId = program.Id,
            ProgramVersion = program.Version,
            CardNumber = card,
            JoinedAt = now.AddDays(-60),
            TierId = program.Definition.Tiers.Levels[0].Id,
            LastOperationAt = now.AddDays(-30),
            Lots = [new PointLot { Id = "seed#0", Kind = LotKind.Adjustment, SourceTransactionId = "seed", Amount = usable, Remaining = usable, CreditedAt = now.AddDays(-30), UsableFrom = now.AddDays(-30) }],
        };
        return new CardSnapshot
        {
            CardNumber = card,
            AccountId = state.AccountId,
            State = CardState.Active,
            Balance = new BalanceInfo { Balance = usable, Usable = usable, Tier = state.TierId },
            OfflineRedemptionAllowance = 1_000_000,
            ProgramId = program.Id,
            ProgramVersion = program.Version,
            AccountStateJson = AccountStateJson.Serialize(state),
        };
    }

    private static string WithLuhn(string body)
    {
        var sum = 0;
        for (var i = 0; i < body.Length; i++)
        {
            var d = body[body.Length - 1 - i] - '0';
            if (i % 2 == 0)
            {
                d = d * 2 > 9 ? (d * 2) - 9 : d * 2;
            }

            sum += d;
        }

        return body + (char)('0' + ((10 - (sum % 10)) % 10));
    }

    private static string FindRoot()
    {
        var dir = new DirectoryInfo(AppContext.BaseDirectory);
        while (dir is not null && !File.Exists(Path.Combine(dir.FullName, "PosAgent.sln")))
        {
            dir = dir.Parent;
        }

        return dir?.FullName ?? throw new InvalidOperationException("PosAgent.sln not found");
    }
}
