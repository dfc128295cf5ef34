using PosAgent.Rules;
using static PosAgent.Rules.Tests.TestData;

namespace PosAgent.Rules.Tests;

/// <summary>
/// Orders folded out of the account state (#17): the state stays bounded however many orders a
/// card has, and every rule that reads history (tiers by total spend or a rolling 365 days,
/// discount-card levels, first-order welcomes, refunds of an old sale) answers as with the whole
/// history.
/// </summary>
public sealed class HistoryFoldTests
{
    private static AccountState Fold(LoyaltyEngine engine, AccountState state, DateTimeOffset at, List<OrderRecord>? archive = null)
    {
        var fold = engine.FoldHistory(state, at);
        archive?.AddRange(fold.Folded);
        return fold.State;
    }

    [Fact]
    public void FoldHistory_3000SalesFoldedAtEachCommit_StateBoundedAndTierTheSameAsUnfolded()
    {
        // INV-HP-R6: status by total paid (4,500 / 15,000 / 50,000 / 100,000 RUB).
        var engine = ProgramFiles.Engine("inv-hp");
        var start = Tuesday.AddDays(-1_000);
        var folded = Enroll(engine, start).State;
        var whole = folded;
        var at = start;
        var archive = new List<OrderRecord>();
        for (var i = 0; i < 3_000; i++)
        {
            at = start.AddHours(8 * (i + 1));
            // Each sale pays with all the points the rules allow (INV-HP-R3), so lots are spent as they become usable.
            var probe = Sale($"s{i:D4}", at, 0, Line("lab", 10_000 + (i % 7 * 1_000)));
            var spend = engine.Quote(folded, probe).MaxPointsToSpend;
            Assert.Equal(engine.Quote(whole, probe).MaxPointsToSpend, spend);
            var sale = probe with { PointsToSpend = spend };
            folded = Fold(engine, engine.ApplySale(folded, sale).State, at, archive);
            // The unfolded twin keeps every order, for the comparison.
            whole = engine.ApplySale(whole, sale).State;
        }

        Assert.True(folded.Orders.Count <= 31, $"{folded.Orders.Count} orders kept");
        Assert.Equal(3_000, folded.History!.Orders + folded.Orders.Count);
        Assert.Equal(archive.Count, folded.History.Orders);
        Assert.Equal(whole.TierId, folded.TierId);
        Assert.Equal("Status5", folded.TierId);
        Assert.Equal(whole.Orders.Sum(o => o.TotalMinor), folded.History.SpendMinor + folded.Orders.Sum(o => o.TotalMinor));
        Assert.Equal(engine.Summarize(whole, at).Balance, engine.Summarize(folded, at).Balance);
        Assert.True(AccountStateJson.Serialize(folded).Length * 20 < AccountStateJson.Serialize(whole).Length, "the folded state is a small fraction of the whole");
        Assert.DoesNotContain(folded.TransactionIds, id => id == "s0000");
    }

    [Fact]
    public void InvRu_R2_FirstOrderWelcome_NotGivenAgainOnceTheFirstOrderIsFolded()
    {
        var engine = ProgramFiles.Engine("inv-ru");
        var state = Enroll(engine, Tuesday.AddDays(-60)).State;
        var first = engine.ApplySale(state, Sale("first", Tuesday.AddDays(-50), 0, Line("lab", 100_000)));
        state = Fold(engine, first.State, Tuesday);

        var second = engine.ApplySale(state, Sale("second", Tuesday, 0, Line("lab", 100_000)));

        Assert.Empty(state.Orders);
        Assert.Equal(1, state.History!.Orders);
        Assert.Contains(first.Explanation, e => e.RuleId == "INV-RU-R2");
        Assert.DoesNotContain(second.Explanation, e => e.RuleId == "INV-RU-R2");
    }

    [Fact]
    public void Stm_R2_RollingYear_FoldedOrdersCountInsideTheWindowAndLeaveItAfter365Days()
    {
        // STM-R2: Regular from 3 orders and 100,000 RUB in the last 365 days.
        var engine = ProgramFiles.Engine("stm");
        var start = Tuesday.AddDays(-400);
        var state = Enroll(engine, start, qualifying: 0).State;
        for (var i = 0; i < 3; i++)
        {
            state = engine.ApplySale(state, Sale($"big{i}", start.AddDays(i), 0, Line("goods", 4_000_000))).State;
        }

        state = Fold(engine, state, start.AddDays(60));
        var inside = engine.ApplySale(state, Sale("inside", start.AddDays(100), 0, Line("goods", 1_000))).State;
        var outside = engine.ApplySale(Fold(engine, inside, start.AddDays(380)), Sale("outside", start.AddDays(380), 0, Line("goods", 1_000))).State;

        Assert.Empty(state.Orders);
        Assert.Equal(3, state.History!.Days.Sum(d => d.PaidOrders));
        Assert.Equal("Regular", inside.PendingTierId ?? inside.TierId);
        Assert.NotEqual("Regular", outside.PendingTierId ?? outside.TierId);
    }

    [Fact]
    public void InvKz_R10_RefundOfAFoldedSale_RestoredFromTheArchiveRefundedAsIfNeverFolded()
    {
        var engine = ProgramFiles.Engine("inv-kz");
        var start = Tuesday.AddDays(-40);
        var state = Enroll(engine, start).State;
        var sale = engine.ApplySale(state, Sale("old", start.AddDays(1), 0, Line("lab", 500_000)));
        var unfolded = sale.State;
        var archive = new List<OrderRecord>();
        var folded = Fold(engine, sale.State, Tuesday, archive);
        var refund = new RefundRequest { TransactionId = "r1", OriginalTransactionId = "old", At = Tuesday };

        var missing = Assert.Throws<LoyaltyRuleException>(() => engine.Refund(folded, refund));
        var archived = AccountStateJson.DeserializeOrder(AccountStateJson.SerializeOrder(Assert.Single(archive)));
        var restored = engine.RestoreOrder(folded, archived);
        var refunded = engine.Refund(restored, refund);
        var expected = engine.Refund(unfolded, refund);
        var refolded = engine.FoldHistory(refunded.State, Tuesday);

        Assert.Equal(LoyaltyErrorCode.OriginalSaleNotFound, missing.Code);
        Assert.Equal(0, restored.History!.Orders);
        Assert.Equal(0, restored.History.SpendMinor);
        Assert.Equal(expected.PointsRemoved, refunded.PointsRemoved);
        Assert.Equal(engine.Summarize(expected.State, Tuesday).Balance, engine.Summarize(refunded.State, Tuesday).Balance);
        Assert.Equal(500_000, Assert.Single(refolded.Folded).RefundedMinor);
        Assert.Equal(0, refolded.State.History!.SpendMinor);
        Assert.Equal(0, refolded.State.History.PaidOrders);
    }

    [Fact]
    public void FoldHistory_RecentOrdersAndPendingMonthlyAccruals_StayInTheState()
    {
        // RT-R3: payments earn in a monthly batch; an order waiting for it is never folded.
        var engine = ProgramFiles.Engine("rt");
        var start = Tuesday.AddDays(-30);
        var state = Enroll(engine, start).State;
        state = engine.ApplySale(state, Sale("month", start, 0, Line("internet", 100_000))).State;
        state = engine.ApplySale(state, Sale("recent", Tuesday.AddDays(-1), 0, Line("internet", 100_000))).State;

        var fold = engine.FoldHistory(state, Tuesday);

        Assert.Empty(fold.Folded);
        Assert.Equal(2, fold.State.Orders.Count);
    }
}
