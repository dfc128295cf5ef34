using PosAgent.Rules;

namespace PosAgent.Rules.Tests;

/// <summary>Small builders so each test states only the numbers it is about.</summary>
internal static class TestData
{
    /// <summary>A Tuesday, 10:00 UTC.</summary>
    public static readonly DateTimeOffset Tuesday = new(2026, 3, 3, 10, 0, 0, TimeSpan.Zero);

    /// <summary>A Saturday, 10:00 UTC.</summary>
    public static readonly DateTimeOffset Saturday = new(2026, 3, 7, 10, 0, 0, TimeSpan.Zero);

    public static SaleLine Line(string category, long amountMinor, bool discounted = false, bool promotional = false, bool notRedeemable = false) =>
        new() { Category = category, AmountMinor = amountMinor, Discounted = discounted, Promotional = promotional, NotRedeemable = notRedeemable };

    public static SaleRequest Sale(string tx, DateTimeOffset at, long spend, params SaleLine[] lines) =>
        new() { TransactionId = tx, At = at, Lines = lines, PointsToSpend = spend };

    public static OperationResult Enroll(LoyaltyEngine engine, DateTimeOffset at, string account = "acc-1", DateOnly? birthDate = null, long qualifying = 1_000_000) =>
        engine.Enroll(new EnrollRequest
        {
            AccountId = account,
            CardNumber = ProgramFiles.Card(engine.Program),
            At = at,
            BirthDate = birthDate,
            QualifyingPaymentMinor = qualifying,
        });

    /// <summary>Credits <paramref name="points"/> usable points right away (an adjustment through a manual event is not in every program, so use a plain lot).</summary>
    public static AccountState WithPoints(AccountState state, long points, DateTimeOffset at, DateTimeOffset? expires = null, string id = "seed") =>
        state with
        {
            Lots =
            [
                .. state.Lots,
                new PointLot
                {
                    Id = id + "#0",
                    Kind = LotKind.Adjustment,
                    SourceTransactionId = id,
                    Amount = points,
                    Remaining = points,
                    CreditedAt = at,
                    UsableFrom = at,
                    ExpiresAt = expires,
                },
            ],
        };
}
