using Grpc.Core;
using PosAgent.Agent.Tests.Support;
using PosAgent.Contracts.PosAgent.V1;
using PosAgent.TestSupport;

namespace PosAgent.Agent.Tests.Hosting;

/// <summary>Open (uncommitted) checks survive the agent process being killed.</summary>
public sealed class OpenCheckRestartTests
{
    [Fact]
    public async Task OpenCheck_AgentKilled_RestartedWithItsLinesAndCardAndCanBeCommitted()
    {
        using var dir = new TempDirectory("pa-open-");
        var card = TestCards.Csm(401);
        string openId, cancelledId, committedId;
        await using (var agent = await AgentProcess.StartAsync(dir.Path, "lane-open", central: null, token: null))
        {
            var open = await agent.Client.OpenCheckAsync(new OpenCheckRequest { ClientReference = "basket-7" }).WithTimeout();
            await agent.Client.AddLineAsync(new AddLineRequest { CheckId = open.CheckId, Name = "Consultation", Category = "medical", UnitPriceMinor = 120_000, Quantity = 1 }).WithTimeout();
            var second = await agent.Client.AddLineAsync(new AddLineRequest { CheckId = open.CheckId, Name = "Gauze", Category = "medical", UnitPriceMinor = 5_000, Quantity = 2 }).WithTimeout();
            await agent.Client.AddLineAsync(new AddLineRequest { CheckId = open.CheckId, Name = "X-ray", Category = "medical", UnitPriceMinor = 30_050, Quantity = 1 }).WithTimeout();
            await agent.Client.RemoveLineAsync(new RemoveLineRequest { CheckId = open.CheckId, LineId = second.Lines[1].LineId }).WithTimeout();
            await agent.Client.AttachCardAsync(new AttachCardRequest { CheckId = open.CheckId, CardNumber = card }).WithTimeout();
            openId = open.CheckId;

            var cancelled = await agent.Client.OpenCheckAsync(new OpenCheckRequest()).WithTimeout();
            await agent.Client.CancelCheckAsync(new CancelCheckRequest { CheckId = cancelled.CheckId }).WithTimeout();
            cancelledId = cancelled.CheckId;

            var committed = await agent.Client.OpenCheckAsync(new OpenCheckRequest()).WithTimeout();
            committed = await agent.Client.AddLineAsync(new AddLineRequest { CheckId = committed.CheckId, Name = "Item", Category = "medical", UnitPriceMinor = 1_000, Quantity = 1 }).WithTimeout();
            await agent.Client.CommitAsync(new CommitRequest { CheckId = committed.CheckId, Payment = new PaymentSplit { CashMinor = 1_000 } }).WithTimeout();
            committedId = committed.CheckId;

            agent.Kill();
        }

        await using var restarted = await AgentProcess.StartAsync(dir.Path, "lane-open", central: null, token: null);

        var check = await restarted.Client.GetCheckAsync(new GetCheckRequest { CheckId = openId }).WithTimeout();
        Assert.Equal(CheckState.Open, check.State);
        Assert.Equal("basket-7", check.ClientReference);
        Assert.Equal(["Consultation", "X-ray"], check.Lines.Select(l => l.Name));
        Assert.Equal(150_050, check.TotalMinor);
        Assert.Equal("****" + card[^4..], check.Card.MaskedNumber);
        var added = await restarted.Client.AddLineAsync(new AddLineRequest { CheckId = openId, Name = "Mask", Category = "medical", UnitPriceMinor = 950, Quantity = 1 }).WithTimeout();
        Assert.Equal("4", added.Lines[^1].LineId);
        var sale = await restarted.Client.CommitAsync(new CommitRequest { CheckId = openId, Payment = new PaymentSplit { CashMinor = 151_000 } }).WithTimeout();
        Assert.Equal(CheckState.Committed, sale.Check.State);
        var gone = await Assert.ThrowsAsync<RpcException>(() => restarted.Client.GetCheckAsync(new GetCheckRequest { CheckId = cancelledId }));
        Assert.Equal(StatusCode.InvalidArgument, gone.StatusCode);
        Assert.Equal(CheckState.Committed, (await restarted.Client.GetCheckAsync(new GetCheckRequest { CheckId = committedId }).WithTimeout()).State);
        var status = await restarted.Client.GetStatusAsync().WithTimeout();
        Assert.Equal(1, status.Outbox.Pending); // the carded sale; the card-less one is kept here, never sent
    }
}
