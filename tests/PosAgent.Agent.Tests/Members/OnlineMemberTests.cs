using Google.Protobuf.WellKnownTypes;
using Grpc.Core;
using PosAgent.Agent.Tests.Support;
using PosAgent.Contracts.PosAgent.V1;
using PosAgent.TestSupport;

namespace PosAgent.Agent.Tests.Members;

/// <summary>The registrar-desk calls through the agent's local API, online, against the real central service.</summary>
[Collection("survival")]
public sealed class OnlineMemberTests : IAsyncLifetime
{
    private readonly TempDirectory _dir = new();
    private CentralFixture _central = null!;
    private TestAgent _agent = null!;

    public async Task InitializeAsync()
    {
        _central = await CentralFixture.CreateAsync(_dir);
        var token = await _central.TokenAsync("lane-desk");
        _agent = await TestAgent.StartAsync(_dir, o =>
        {
            o.TerminalId = "lane-desk";
            o.CentralAddress = _central.Address;
            o.CentralToken = token;
        });
    }

    public async Task DisposeAsync()
    {
        await _agent.DisposeAsync();
        await _central.DisposeAsync();
        _dir.Dispose();
    }

    private LocalApiClient Client => _agent.Client;

    [Fact]
    public async Task RegisterMember_WithCardOnline_CardActiveThenReplacedCardRefusedAndNewOneCarriesBalance()
    {
        var card = TestCards.Csm(301);
        var replacement = TestCards.Csm(302);

        var registered = await Client.RegisterMemberAsync(new RegisterMemberRequest { ProgramId = "CSM", FullName = "Anna Petrova", Phone = "+79991230001", Consent = true, CardNumber = card }).WithTimeout();

        Assert.StartsWith("m-", registered.MemberId, StringComparison.Ordinal);
        Assert.Equal((await _central.SnapshotAsync(card)).AccountId, registered.AccountId);
        Assert.NotEmpty(registered.AccountId);
        Assert.Equal(CardState.Active, registered.Card.State);
        Assert.Equal(DataSource.Central, registered.Card.Source);
        Assert.Equal("****" + card[^4..], registered.Card.MaskedNumber);
        var welcome = (await _central.SnapshotAsync(card)).Balance.Balance;
        Assert.True(welcome > 0, "CSM gives welcome points at registration");
        var balance = await Client.GetBalanceAsync(new GetBalanceRequest { CardNumber = card }).WithTimeout();
        Assert.Equal(welcome, balance.Card.Balance);
        Assert.Equal(DataSource.Central, balance.Card.Source);

        var replaced = await Client.ReplaceCardAsync(new ReplaceCardRequest { OldCardNumber = card, NewCardNumber = replacement, Reason = "lost" }).WithTimeout();

        Assert.Equal("****" + replacement[^4..], replaced.Card.MaskedNumber);
        Assert.Equal(CardState.Active, replaced.Card.State);
        Assert.Equal(welcome, replaced.Card.Balance);
        Assert.Equal(Contracts.Loyalty.V1.CardState.Replaced, (await _central.SnapshotAsync(card)).State);
        var check = await Client.OpenCheckAsync(new OpenCheckRequest()).WithTimeout();
        var refused = await Assert.ThrowsAsync<RpcException>(() => Client.AttachCardAsync(new AttachCardRequest { CheckId = check.CheckId, CardNumber = card }));
        Assert.Equal(StatusCode.FailedPrecondition, refused.StatusCode);
        Assert.Contains("replaced", refused.Status.Detail, StringComparison.OrdinalIgnoreCase);
        var attached = await Client.AttachCardAsync(new AttachCardRequest { CheckId = check.CheckId, CardNumber = replacement }).WithTimeout();
        Assert.Equal(welcome, attached.Card.Balance);
    }

    [Fact]
    public async Task IssueCard_MemberRegisteredHere_ReachesTheMembersAccount()
    {
        // Registration always issues a card; IssueCard is for an account left without one. For a
        // member registered at this terminal the agent sends the member's account (not the member
        // id, which the central service does not know as an account): the account is found and
        // the central service answers that it already has a card.
        var registered = await Client.RegisterMemberAsync(new RegisterMemberRequest { ProgramId = "CSM", FullName = "Ivan Sidorov", Phone = "+79991230002", Consent = true }).WithTimeout();
        Assert.Equal(CardState.Active, registered.Card.State);

        var again = await Assert.ThrowsAsync<RpcException>(() => Client.IssueCardAsync(new IssueCardRequest { MemberId = registered.MemberId, CardNumber = TestCards.Csm(304) }));

        Assert.Equal(StatusCode.FailedPrecondition, again.StatusCode);
        Assert.Contains("already has a card; use ReplaceCard", again.Status.Detail, StringComparison.Ordinal);
        var unknown = await Assert.ThrowsAsync<RpcException>(() => Client.IssueCardAsync(new IssueCardRequest { MemberId = "m-unknown", CardNumber = TestCards.Csm(305) }));
        Assert.Equal(StatusCode.NotFound, unknown.StatusCode);
        Assert.Contains("does not exist", unknown.Status.Detail, StringComparison.Ordinal);
    }

    [Fact]
    public async Task ExchangeReward_OnlineWithPoints_SpentOnceThenMonthlyLimitRefused()
    {
        var card = TestCards.Rt(306);
        await Client.RegisterMemberAsync(new RegisterMemberRequest { ProgramId = "RT", FullName = "Olga Smirnova", Phone = "+79991230003", Email = "olga@example.org", Birthday = "1990-04-01", Consent = true, CardNumber = card }).WithTimeout();
        await _central.GrantAsync(card, 1_000, "survey");
        await _central.GrantAsync(card, 0, "email-bill");
        var before = (await _central.SnapshotAsync(card)).Balance.Balance;

        var rewards = await Client.ListRewardsAsync(new ListRewardsRequest { CardNumber = card }).WithTimeout();

        var film = Assert.Single(rewards.Rewards, r => r.RewardId == "film-rental");
        Assert.Equal(800, film.PricePoints);
        Assert.DoesNotContain(rewards.Rewards, r => r.RewardId == "bill-payment");
        var exchanged = await Client.ExchangeRewardAsync(new ExchangeRewardRequest { CardNumber = card, RewardId = "film-rental" }).WithTimeout();
        Assert.False(exchanged.Pending);
        Assert.Equal(800, exchanged.PointsSpent);
        Assert.Equal(before - 800, exchanged.BalanceAfter);
        Assert.Equal(before - 800, (await _central.SnapshotAsync(card)).Balance.Balance);
        Assert.Equal(0, (await Client.GetStatusAsync().WithTimeout()).Outbox.Pending);

        // 500 usable points are left; RT allows one catalog order a month.
        var second = await Assert.ThrowsAsync<RpcException>(() => Client.ExchangeRewardAsync(new ExchangeRewardRequest { CardNumber = card, RewardId = "storage-5gb" }));

        Assert.Equal(StatusCode.FailedPrecondition, second.StatusCode);
        Assert.Contains("reward exchange refused: Rewards can be ordered 1 time(s) a month", second.Status.Detail, StringComparison.Ordinal);
        Assert.Equal(before - 800, (await _central.SnapshotAsync(card)).Balance.Balance);
    }

    [Fact]
    public async Task ExchangeReward_RefusedAndToldToThePos_RaisesNoParkedAlarm()
    {
        var card = TestCards.Rt(307);
        await Client.RegisterMemberAsync(new RegisterMemberRequest { ProgramId = "RT", FullName = "Pavel Orlov", Phone = "+79991230004", Email = "pavel@example.org", Birthday = "1991-05-02", Consent = true, CardNumber = card }).WithTimeout();
        await _central.GrantAsync(card, 1_000, "survey");
        await Client.ExchangeRewardAsync(new ExchangeRewardRequest { CardNumber = card, RewardId = "film-rental" }).WithTimeout();
        // RT-R6: one catalog order a month; the second is refused by the central service, and the
        // POS is told so in the answer to its own call.
        var refused = await Assert.ThrowsAsync<RpcException>(() => Client.ExchangeRewardAsync(new ExchangeRewardRequest { CardNumber = card, RewardId = "storage-5gb" }));
        var status = await Client.GetStatusAsync().WithTimeout();
        // A later sale's sync passes: the refused exchange is not picked up again and parked then.
        var check = await Client.OpenCheckAsync(new OpenCheckRequest()).WithTimeout();
        await Client.AddLineAsync(new AddLineRequest { CheckId = check.CheckId, Sku = "i1", Name = "Internet", Category = "internet", UnitPriceMinor = 100_000, Quantity = 1 }).WithTimeout();
        await Client.AttachCardAsync(new AttachCardRequest { CheckId = check.CheckId, CardNumber = card }).WithTimeout();
        var sale = await Client.CommitAsync(new CommitRequest { CheckId = check.CheckId, Payment = new PaymentSplit { BankCardMinor = 100_000 } }).WithTimeout();
        var after = await Waits.UntilSyncedAsync(Client, TimeSpan.FromSeconds(30));

        Assert.Equal(StatusCode.FailedPrecondition, refused.StatusCode);
        Assert.Equal(0, status.Outbox.Parked);
        Assert.Equal(0, status.Outbox.Pending);
        Assert.NotEmpty(sale.OperationId);
        Assert.Equal(0, after.Outbox.Parked);
    }

    [Fact]
    public async Task GetBalance_AsOfAfterExpiry_CentralAndOfflineCacheBothShowThePointsGone()
    {
        // INV-KZ-R5: 500 welcome points, valid 1 year.
        var card = TestCards.InvKz(308);
        await _central.RegisterAsync(card, "INV-KZ");
        var snapshot = await _central.SnapshotAsync(card);
        var expires = Assert.Single(snapshot.Lots).ExpiresAt.ToDateTimeOffset();

        var now = await Client.GetBalanceAsync(new GetBalanceRequest { CardNumber = card }).WithTimeout();
        var before = await Client.GetBalanceAsync(new GetBalanceRequest { CardNumber = card, AsOf = Timestamp.FromDateTimeOffset(expires.AddMinutes(-1)) }).WithTimeout();
        var after = await Client.GetBalanceAsync(new GetBalanceRequest { CardNumber = card, AsOf = Timestamp.FromDateTimeOffset(expires.AddMinutes(1)) }).WithTimeout();
        var tooFar = await Assert.ThrowsAsync<RpcException>(() => Client.GetBalanceAsync(new GetBalanceRequest { CardNumber = card, AsOf = Timestamp.FromDateTimeOffset(DateTimeOffset.UtcNow.AddYears(11)) }));
        var cachedNow = await Client.GetBalanceAsync(new GetBalanceRequest { CardNumber = card }).WithTimeout();
        await _central.StopAsync();
        var offlineAfter = await Client.GetBalanceAsync(new GetBalanceRequest { CardNumber = card, AsOf = Timestamp.FromDateTimeOffset(expires.AddMinutes(1)) }).WithTimeout();
        var offlineBefore = await Client.GetBalanceAsync(new GetBalanceRequest { CardNumber = card, AsOf = Timestamp.FromDateTimeOffset(expires.AddMinutes(-1)) }).WithTimeout();
        var offlineNow = await Client.GetBalanceAsync(new GetBalanceRequest { CardNumber = card }).WithTimeout();

        Assert.Equal(500, now.Card.Usable);
        Assert.Equal(500, before.Card.Usable);
        Assert.Equal(DataSource.Central, after.Card.Source);
        Assert.Equal(0, after.Card.Balance);
        Assert.Equal(expires.AddMinutes(1), after.Card.AsOf.ToDateTimeOffset());
        Assert.Equal(StatusCode.InvalidArgument, tooFar.StatusCode);
        Assert.StartsWith("as_of", tooFar.Status.Detail, StringComparison.Ordinal);
        Assert.Equal(500, cachedNow.Card.Balance);
        Assert.Equal(DataSource.OfflineEstimate, offlineAfter.Card.Source);
        Assert.Equal(0, offlineAfter.Card.Balance);
        Assert.Equal(expires.AddMinutes(1), offlineAfter.Card.AsOf.ToDateTimeOffset());
        Assert.Equal(500, offlineBefore.Card.Usable);
        // The as-of answers were never cached as the card's figures: now it still has 500.
        Assert.Equal(500, offlineNow.Card.Balance);
    }
}
