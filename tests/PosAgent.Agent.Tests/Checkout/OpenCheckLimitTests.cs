using PosAgent.Agent.Tests.Support;
using PosAgent.Contracts.PosAgent.V1;
using Grpc.Core;
using PosAgent.TestSupport;

namespace PosAgent.Agent.Tests.Checkout;

/// <summary>Open (unpaid) checks are bounded per terminal, and abandoned ones are cancelled.</summary>
public sealed class OpenCheckLimitTests
{
    [Fact]
    public async Task Open_PastTheLimit_ResourceExhaustedNamingTheSetting_AbandonedChecksMakeRoom_TouchedOnesStay()
    {
        using var dir = new TempDirectory("pa-openlimit-");
        var time = TestClock.Create();
        await using var agent = await TestAgent.StartAsync(dir, o => { o.MaxOpenChecks = 3; o.OpenCheckMaxAge = TimeSpan.FromHours(24); }, time: time);
        var first = await agent.Client.OpenCheckAsync(new OpenCheckRequest()).WithTimeout();
        await agent.Client.OpenCheckAsync(new OpenCheckRequest()).WithTimeout();
        await agent.Client.OpenCheckAsync(new OpenCheckRequest()).WithTimeout();

        var refused = await Assert.ThrowsAsync<RpcException>(() => agent.Client.OpenCheckAsync(new OpenCheckRequest()).WithTimeout());
        Assert.Equal(StatusCode.ResourceExhausted, refused.StatusCode);
        Assert.Contains("maxOpenChecks 3", refused.Status.Detail, StringComparison.Ordinal);

        // 23 h later the first check gets a line; 2 h after that the other two are abandoned, it is not.
        time.Advance(TimeSpan.FromHours(23));
        await agent.Client.AddLineAsync(new AddLineRequest { CheckId = first.CheckId, Name = "Consultation", Category = "medical", UnitPriceMinor = 1000, Quantity = 1 }).WithTimeout();
        time.Advance(TimeSpan.FromHours(2));

        var fourth = await agent.Client.OpenCheckAsync(new OpenCheckRequest()).WithTimeout();
        Assert.False(string.IsNullOrEmpty(fourth.CheckId));
        Assert.Equal(2, agent.Parts.Checks.OpenCount);
        var kept = await agent.Client.GetCheckAsync(new GetCheckRequest { CheckId = first.CheckId }).WithTimeout();
        Assert.Equal(CheckState.Open, kept.State);
    }

    [Fact]
    public async Task GetCheck_MegabyteCheckId_InvalidArgumentWithAShortMessage()
    {
        using var dir = new TempDirectory("pa-openlimit-");
        await using var agent = await TestAgent.StartAsync(dir);

        var error = await Assert.ThrowsAsync<RpcException>(() => agent.Client.GetCheckAsync(new GetCheckRequest { CheckId = new string('x', 1_000_000) }).WithTimeout());

        Assert.Equal(StatusCode.InvalidArgument, error.StatusCode);
        Assert.StartsWith("check_id:", error.Status.Detail, StringComparison.Ordinal);
        Assert.True(error.Status.Detail.Length <= 400, $"{error.Status.Detail.Length} characters of detail");
    }

    [Fact]
    public void Validate_LimitOutOfRange_NamesTheSetting()
    {
        var options = new AgentOptions { MaxOpenChecks = 0, OpenCheckMaxAge = TimeSpan.FromSeconds(5) };

        var error = Assert.Throws<ArgumentException>(options.Validate);

        Assert.Contains("maxOpenChecks: 0 must be 1..100000", error.Message, StringComparison.Ordinal);
        Assert.Contains("openCheckMaxAge", error.Message, StringComparison.Ordinal);
    }
}
