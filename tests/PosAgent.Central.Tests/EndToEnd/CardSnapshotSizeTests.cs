using Grpc.Core;
using PosAgent.Central.Tests.Support;
using PosAgent.Contracts.Loyalty.V1;
using PosAgent.Rules;
using PosAgent.TestSupport;

namespace PosAgent.Central.Tests.EndToEnd;

/// <summary>
/// #17, section 3: a loyal customer's card kept working after ~5,000 sales only while the whole
/// history fitted in a lookup (6,500 sales: 4.6 MB, over gRPC's usual 4 MiB). The snapshot now
/// carries what a till needs, bounded; the history is paged on its own call.
/// </summary>
public sealed class CardSnapshotSizeTests : IAsyncLifetime
{
    /// <summary>What a lookup may weigh whatever the history: far below gRPC's 4 MiB and the 0.3-0.7 MB small cards used to cost.</summary>
    private const int SnapshotBound = 16 * 1024;

    private readonly TempDirectory _dir = new("pa-central-");
    private CentralHarness _h = null!;

    private DateTimeOffset Now => _h.Time.GetUtcNow();

    public async Task InitializeAsync() => _h = await CentralHarness.StartAsync(_dir.File("central.db"));

    public async Task DisposeAsync()
    {
        await _h.DisposeAsync();
        _dir.Dispose();
    }

    [Fact]
    public async Task GetCardSnapshot_After6500SalesOnOneCard_SmallAndExactWhileHistoryPagesThroughEverySale()
    {
        const int sales = 6_500;
        var card = await _h.RegisterAsync("INV-KZ");
        var start = _h.RegisteredAt.AddMinutes(1);
        long earned = 0;
        for (var batch = 0; batch < sales / 500; batch++)
        {
            var txs = Enumerable.Range(batch * 500, 500)
                .Select(i => Tx.Sale(card, start.AddSeconds(i * 10), cashMinor: 100_000 + (i % 7 * 10_000), id: $"s-{i:D5}"))
                .ToArray();
            var results = (await _h.Terminal.SubmitAsync(txs).WithTimeout(TimeSpan.FromSeconds(120))).Results;
            Assert.All(results, r => Assert.Equal(TransactionOutcome.Applied, r.Outcome));
            earned += results.Sum(r => r.PointsEarned);
        }

        var terminal = await _h.Terminal.SnapshotAsync(card).WithTimeout();
        var admin = await _h.Admin.AdminSnapshotAsync(card).WithTimeout();

        Assert.InRange(terminal.CalculateSize(), 1, SnapshotBound);
        Assert.InRange(admin.CalculateSize(), 1, SnapshotBound);
        var history = await AllHistoryAsync(card, pageSize: 200);
        var enroll = Assert.Single(history, e => e.Kind == "enroll");
        Assert.Equal(enroll.Result.PointsEarned + earned, terminal.Balance.Balance);
        Assert.Equal(terminal.Balance.Balance, terminal.Lots.Sum(l => l.Points));
        var till = AccountStateJson.Deserialize(terminal.AccountStateJson);
        Assert.Equal(terminal.Balance.Balance, till.Lots.Sum(l => l.Remaining));
        Assert.Empty(till.TransactionIds);
        Assert.Equal(sales + 1, history.Count);
        Assert.Equal(sales + 1, history.Select(e => e.TransactionId).Distinct(StringComparer.Ordinal).Count());
        Assert.Equal($"s-{sales - 1:D5}", history[0].TransactionId);
        Assert.Equal(sales, history.Count(e => e.Kind == "sale" && e.Result.Outcome == TransactionOutcome.Applied));
        Assert.True(history.Zip(history.Skip(1)).All(p => p.First.BusinessTime.ToDateTimeOffset() >= p.Second.BusinessTime.ToDateTimeOffset()), "newest first");
    }

    [Fact]
    public async Task ListCardHistory_NewSalesBetweenPages_NoEntryRepeatedOrSkipped()
    {
        var card = await _h.RegisterAsync("INV-KZ");
        await _h.Terminal.SubmitAsync([.. Enumerable.Range(0, 5).Select(i => Tx.Sale(card, Now.AddMinutes(-60 + i), cashMinor: 100_000, id: $"a-{i}"))]).WithTimeout();

        var first = await _h.Terminal.HistoryAsync(card, pageSize: 3).WithTimeout();
        await _h.Terminal.SubmitAsync(Tx.Sale(card, Now.AddMinutes(-1), cashMinor: 100_000, id: "later")).WithTimeout();
        var second = await _h.Admin.AdminHistoryAsync(card, pageSize: 3, pageToken: first.NextPageToken).WithTimeout();

        Assert.Equal(["a-4", "a-3", "a-2"], first.Entries.Select(e => e.TransactionId));
        Assert.Equal(["a-1", "a-0"], second.Entries.Select(e => e.TransactionId).Take(2));
        Assert.Equal("enroll", second.Entries[2].Kind);
        Assert.Empty(second.NextPageToken);
        Assert.Empty(first.Entries[0].Result.Explanation);
    }

    [Theory]
    [InlineData(201, "", "page_size")]
    [InlineData(-1, "", "page_size")]
    [InlineData(10, "not-a-token", "page_token")]
    [InlineData(10, "h1.%%%", "page_token")]
    public async Task ListCardHistory_BadPageSizeOrToken_InvalidArgumentNamingTheField(int pageSize, string token, string field)
    {
        var card = await _h.RegisterAsync("INV-KZ");

        var ex = await Assert.ThrowsAsync<RpcException>(() => _h.Terminal.HistoryAsync(card, pageSize, token).WithTimeout());

        Assert.Equal(StatusCode.InvalidArgument, ex.StatusCode);
        Assert.StartsWith(field, ex.Status.Detail, StringComparison.Ordinal);
    }

    [Fact]
    public async Task CardHistoryCli_TwoPages_PrintsEntriesThenTheTokenThatGivesTheRest()
    {
        var card = await _h.RegisterAsync("INV-KZ");
        await _h.Terminal.SubmitAsync([.. Enumerable.Range(0, 3).Select(i => Tx.Sale(card, Now.AddMinutes(-60 + i), cashMinor: 100_000, id: $"cli-{i}"))]).WithTimeout();

        var (code, first, _) = await CliAsync("card", "history", card, "--page-size", "2", "--store", _dir.File("central.db"));
        var token = first.Split('\n').Single(l => l.StartsWith("next page: --page-token ", StringComparison.Ordinal))["next page: --page-token ".Length..].Trim();
        var (code2, second, _) = await CliAsync("card", "history", card, "--page-size", "2", "--page-token", token, "--store", _dir.File("central.db"));

        Assert.Equal(0, code);
        Assert.Equal(0, code2);
        Assert.Contains("cli-2", first, StringComparison.Ordinal);
        Assert.Contains("cli-1", first, StringComparison.Ordinal);
        Assert.DoesNotContain("cli-0", first, StringComparison.Ordinal);
        Assert.Contains("cli-0", second, StringComparison.Ordinal);
        Assert.Contains("enroll", second, StringComparison.Ordinal);
        Assert.Contains("end of history", second, StringComparison.Ordinal);
    }

    private static async Task<(int Code, string Output, string Error)> CliAsync(params string[] args)
    {
        using var output = new StringWriter();
        using var error = new StringWriter();
        var code = await CentralCli.RunAsync(args, output, error).WithTimeout(TimeSpan.FromSeconds(60));
        return (code, output.ToString(), error.ToString());
    }

    private async Task<List<CardHistoryEntry>> AllHistoryAsync(string card, int pageSize)
    {
        var all = new List<CardHistoryEntry>();
        var token = string.Empty;
        do
        {
            var page = await _h.Terminal.HistoryAsync(card, pageSize, token).WithTimeout();
            Assert.InRange(page.Entries.Count, 1, pageSize);
            Assert.InRange(page.CalculateSize(), 1, 256 * 1024);
            all.AddRange(page.Entries);
            token = page.NextPageToken;
        }
        while (token.Length > 0);

        return all;
    }
}
