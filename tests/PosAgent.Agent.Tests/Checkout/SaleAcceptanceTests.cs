using FsCheck;
using FsCheck.Fluent;
using PosAgent.Agent.Tests.Support;
using PosAgent.Contracts.PosAgent.V1;
using Grpc.Core;
using PosAgent.TestSupport;

namespace PosAgent.Agent.Tests.Checkout;

/// <summary>
/// What the agent acknowledges the central service accepts: generated sales go through the real
/// agent's acceptance, and every one it commits is submitted to the real central service.
/// </summary>
[Collection("survival")]
public sealed class SaleAcceptanceTests : IAsyncLifetime
{
    private readonly TempDirectory _dir = new();
    private CentralFixture _central = null!;
    private TestAgent _agent = null!;
    private string _card = null!;

    public async Task InitializeAsync()
    {
        _central = await CentralFixture.CreateAsync(_dir);
        var token = await _central.TokenAsync("lane-accept");
        _agent = await TestAgent.StartAsync(_dir, o =>
        {
            o.TerminalId = "lane-accept";
            o.CentralAddress = _central.Address;
            o.CentralToken = token;
        });
        _card = TestCards.Csm(2701);
        await _central.RegisterAsync(_card, "CSM");
    }

    public async Task DisposeAsync()
    {
        await _agent.DisposeAsync();
        await _central.DisposeAsync();
        _dir.Dispose();
    }

    private LocalApiClient Client => _agent.Client;

    /// <summary>A generated line: some fields within the limits, some just past them, some far off.</summary>
    public sealed record LineSpec(string Category, string Sku, long UnitPrice, int Quantity, long Discount);

    /// <summary>A generated sale: lines, how the money total is split, an adjustment that may break the sum, a promo code.</summary>
    public sealed record SaleSpec(LineSpec[] Lines, int CashPercent, long Skew, long HugePart, string PromoCode);

    private static Gen<string> Text(int maxLength) =>
        from length in Gen.Frequency((3, Gen.Choose(0, 12)), (1, Gen.Choose(60, 70)), (1, Gen.Choose(0, maxLength)))
        from chars in Gen.ArrayOf(Gen.Frequency(
            (20, Gen.Elements("ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_.".ToCharArray())),
            (1, Gen.Elements('\n', '\t', '\u0001', '\u007f', ' ', 'й', '€', '/')))).Select(a => a.Length > length ? a[..length] : a)
        select new string(chars);

    private static Gen<long> Price() => Gen.Frequency(
        (6, Gen.Choose(0, 500_000).Select(p => (long)p)),
        (1, Gen.Elements(0L, 100_000_000_000L, 100_000_000_001L, long.MaxValue / 3)));

    private static Arbitrary<SaleSpec> Sales() =>
        (from lines in Gen.ArrayOf(
                from category in Gen.Frequency((12, Gen.Elements("medical", "dental", "checkup", "tourism")), (1, Gen.Elements("lab", "not a category", new string('c', 65))))
                from sku in Text(200)
                from price in Price()
                from quantity in Gen.Frequency((8, Gen.Choose(1, 5)), (1, Gen.Elements(0, 10_000, 10_001)))
                from discountShare in Gen.Frequency((4, Gen.Constant(0)), (2, Gen.Choose(0, 100)), (1, Gen.Constant(101)))
                select new LineSpec(category, sku, price, quantity, price > 100_000_000_000L ? 0 : price * Math.Max(quantity, 0) * discountShare / 100))
            .Select(a => a.Length > 5 ? a[..5] : a)
         from cash in Gen.Choose(0, 100)
         from skew in Gen.Frequency((8, Gen.Constant(0L)), (1, Gen.Elements(-1L, 1L)))
         from huge in Gen.Frequency((8, Gen.Constant(0L)), (1, Gen.Elements(long.MaxValue, long.MaxValue / 2 + 1, 100_000_000_001L)))
         from promo in Gen.Frequency((4, Gen.Constant(string.Empty)), (1, Text(200)))
         select new SaleSpec(lines, cash, skew, huge, promo)).ToArbitrary();

    [Fact]
    public async Task GeneratedSales_EveryOneTheAgentCommits_TheCentralApplies()
    {
        var committed = new List<string>();
        FsCheck.Check.One(Config.QuickThrowOnFailure.WithMaxTest(80).WithStartSize(1).WithEndSize(20), Prop.ForAll(Sales(), spec =>
        {
            if (TryCommit(spec).GetAwaiter().GetResult() is { } operationId)
            {
                committed.Add(operationId);
            }
        }));

        var status = await Waits.UntilSyncedAsync(Client, TimeSpan.FromSeconds(60));

        Assert.Equal(0, status.Outbox.Parked);
        Assert.NotEmpty(committed);
        var entries = await _central.EntriesAsync(committed);
        foreach (var id in committed)
        {
            Assert.True(entries.TryGetValue(id, out var entry), $"sale {id} never reached the central ledger");
            var result = Contracts.Loyalty.V1.TransactionResult.Parser.ParseFrom(entry.Result);
            Assert.True(result.Outcome == Contracts.Loyalty.V1.TransactionOutcome.Applied, $"sale {id} was {result.Outcome}: {result.Rejection?.Code} {result.Rejection?.Message}");
        }
    }

    [Theory]
    [InlineData("sku", 65, "sku: is 65 characters long; at most 64")]
    [InlineData("sku", 200, "sku: is 200 characters long; at most 64")]
    [InlineData("sku-control", 3, "sku: must not contain control characters")]
    [InlineData("category", 65, "category: is 65 characters long; at most 64")]
    public async Task AddLine_FieldTheCentralWouldRefuse_InvalidArgumentNamingIt(string field, int length, string expected)
    {
        var check = await Client.OpenCheckAsync(new OpenCheckRequest()).WithTimeout();
        var line = new AddLineRequest { CheckId = check.CheckId, Name = "Item", Category = "medical", Sku = "S-1", UnitPriceMinor = 1_000, Quantity = 1 };
        switch (field)
        {
            case "sku": line.Sku = new string('s', length); break;
            case "sku-control": line.Sku = "a\u0001b"; break;
            case "category": line.Category = new string('c', length); break;
        }

        var refused = await Assert.ThrowsAsync<RpcException>(() => Client.AddLineAsync(line).WithTimeout());

        Assert.Equal(StatusCode.InvalidArgument, refused.StatusCode);
        Assert.Equal(expected, refused.Status.Detail);
    }

    [Fact]
    public async Task Commit_PromoCodeTooLongOrWithControlCharacters_InvalidArgumentNamingIt()
    {
        var check = await CheckWithCard(1_000);

        var tooLong = await Assert.ThrowsAsync<RpcException>(() => Client.CommitAsync(new CommitRequest { CheckId = check, PromoCode = new string('P', 65), Payment = new PaymentSplit { CashMinor = 1_000 } }).WithTimeout());
        var control = await Assert.ThrowsAsync<RpcException>(() => Client.CommitAsync(new CommitRequest { CheckId = check, PromoCode = "SPRING\n", Payment = new PaymentSplit { CashMinor = 1_000 } }).WithTimeout());

        Assert.Equal((StatusCode.InvalidArgument, "promo_code: is 65 characters long; at most 64"), (tooLong.StatusCode, tooLong.Status.Detail));
        Assert.Equal((StatusCode.InvalidArgument, "promo_code: must not contain control characters"), (control.StatusCode, control.Status.Detail));
    }

    [Fact]
    public async Task Commit_PaymentPartsWhoseSumOverflows_InvalidArgumentNotAWrappedTotal()
    {
        var check = await CheckWithCard(1_000);
        // Unchecked, long.MaxValue + (long.MinValue + 1_001) ... any wrap could land on the total; the parts are bounded instead.
        var payment = new PaymentSplit { CashMinor = long.MaxValue, BankCardMinor = long.MaxValue, InsuranceMinor = 1_002 };

        var refused = await Assert.ThrowsAsync<RpcException>(() => Client.CommitAsync(new CommitRequest { CheckId = check, Payment = payment }).WithTimeout());

        Assert.Equal(StatusCode.InvalidArgument, refused.StatusCode);
        Assert.StartsWith("payment.cash_minor: 9223372036854775807 is too large", refused.Status.Detail, StringComparison.Ordinal);
        Assert.Equal(0, (await Client.GetStatusAsync().WithTimeout()).Outbox.Pending);
    }

    [Fact]
    public async Task Commit_SaleWithoutCard_KeptHereNeverSentAndRefundable()
    {
        var check = await Client.OpenCheckAsync(new OpenCheckRequest()).WithTimeout();
        await Client.AddLineAsync(new AddLineRequest { CheckId = check.CheckId, Name = "Item", Category = "medical", UnitPriceMinor = 2_500, Quantity = 2 }).WithTimeout();

        var sale = await Client.CommitAsync(new CommitRequest { CheckId = check.CheckId, Payment = new PaymentSplit { CashMinor = 5_000 } }).WithTimeout();
        var refund = await Client.RefundAsync(new RefundRequest { CheckId = check.CheckId }).WithTimeout();

        Assert.False(sale.Pending);
        Assert.Equal((0L, 0L), (sale.PointsEarned, sale.BalanceAfter));
        Assert.False(refund.Pending);
        Assert.Equal(CheckState.Refunded, refund.Check.State);
        var status = await Client.GetStatusAsync().WithTimeout();
        Assert.Equal((0L, 0L), (status.Outbox.Pending, status.Outbox.Parked));
        Assert.Empty(await _central.EntriesAsync([sale.OperationId, refund.RefundOperationId]));
        Assert.Equal(CheckState.Refunded, (await Client.GetCheckAsync(new GetCheckRequest { CheckId = check.CheckId }).WithTimeout()).State);
    }

    private async Task<string> CheckWithCard(long price)
    {
        var check = await Client.OpenCheckAsync(new OpenCheckRequest()).WithTimeout();
        await Client.AddLineAsync(new AddLineRequest { CheckId = check.CheckId, Name = "Item", Category = "medical", UnitPriceMinor = price, Quantity = 1 }).WithTimeout();
        await Client.AttachCardAsync(new AttachCardRequest { CheckId = check.CheckId, CardNumber = _card }).WithTimeout();
        return check.CheckId;
    }

    /// <summary>The POS's part: build the check, attach the card, pay. Null when the agent refused (the cashier is told, nothing is queued).</summary>
    private async Task<string?> TryCommit(SaleSpec spec)
    {
        var check = await Client.OpenCheckAsync(new OpenCheckRequest()).WithTimeout();
        try
        {
            long total = 0;
            foreach (var line in spec.Lines)
            {
                var added = await Client.AddLineAsync(new AddLineRequest
                {
                    CheckId = check.CheckId,
                    Name = "Generated",
                    Category = line.Category,
                    Sku = line.Sku,
                    UnitPriceMinor = line.UnitPrice,
                    Quantity = line.Quantity,
                    DiscountMinor = line.Discount,
                }).WithTimeout();
                total = added.TotalMinor;
            }

            await Client.AttachCardAsync(new AttachCardRequest { CheckId = check.CheckId, CardNumber = _card }).WithTimeout();
            var cash = total * spec.CashPercent / 100;
            var payment = new PaymentSplit { CashMinor = cash + spec.Skew, BankCardMinor = total - cash };
            if (spec.HugePart != 0)
            {
                payment.InsuranceMinor = spec.HugePart;
            }

            var committed = await Client.CommitAsync(new CommitRequest { CheckId = check.CheckId, Payment = payment, PromoCode = spec.PromoCode }).WithTimeout();
            return committed.OperationId;
        }
        catch (RpcException ex) when (ex.StatusCode is StatusCode.InvalidArgument or StatusCode.FailedPrecondition)
        {
            await Client.CancelCheckAsync(new CancelCheckRequest { CheckId = check.CheckId }).WithTimeout();
            return null;
        }
    }
}
