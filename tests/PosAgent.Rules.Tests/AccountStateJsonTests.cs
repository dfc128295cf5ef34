using PosAgent.Rules;
using static PosAgent.Rules.Tests.TestData;

namespace PosAgent.Rules.Tests;

public sealed class AccountStateJsonTests
{
    [Fact]
    public void Serialize_StateAfterSaleAndRefund_RoundTripsEqual()
    {
        var engine = ProgramFiles.Engine("inv-kz");
        var state = Enroll(engine, Tuesday.AddDays(-3)).State;
        state = engine.ApplySale(state, Sale("t1", Tuesday, 100, Line("lab", 600_000), Line("goods", 100_000))).State;
        state = engine.Refund(state, new RefundRequest { TransactionId = "r1", OriginalTransactionId = "t1", At = Tuesday.AddHours(1), Lines = [new RefundLine(0, 100_000)] }).State;

        var json = AccountStateJson.Serialize(state);
        var back = AccountStateJson.Deserialize(json);

        Assert.Equal(json, AccountStateJson.Serialize(back));
        Assert.Equal(engine.Summarize(state, Tuesday.AddDays(1)), engine.Summarize(back, Tuesday.AddDays(1)));
    }

    [Fact]
    public void Deserialize_Garbage_ThrowsInvalidState()
    {
        var ex = Assert.Throws<LoyaltyRuleException>(() => AccountStateJson.Deserialize("{\"accountId\": 5"));

        Assert.Equal(LoyaltyErrorCode.InvalidState, ex.Code);
    }
}
