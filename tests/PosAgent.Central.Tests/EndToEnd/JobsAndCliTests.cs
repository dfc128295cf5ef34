using Grpc.Core;
using PosAgent.Central.Tests.Support;
using PosAgent.Contracts.Loyalty.V1;
using PosAgent.TestSupport;

namespace PosAgent.Central.Tests.EndToEnd;

/// <summary>Jobs (idempotent per period, catching up), the operator CLI against a running service, the rate limit.</summary>
public sealed class JobsAndCliTests : IAsyncLifetime
{
    private readonly TempDirectory _dir = new("pa-central-");
    private CentralHarness _h = null!;

    private string Db => _dir.File("central.db");

    public async Task InitializeAsync() => _h = await CentralHarness.StartAsync(Db, configure: o =>
    {
        o.RateLimitBurst = 3;
        o.RateLimitPerSecond = 1;
    });

    public async Task DisposeAsync()
    {
        await _h.DisposeAsync();
        _dir.Dispose();
    }

    [Fact]
    public async Task RunJob_BirthdayTwiceSameDay_GrantedOnceSecondRunAlreadyDone()
    {
        var card = await _h.RegisterAsync("INV-KZ", birthday: new DateOnly(1990, 1, 7));
        var before = (await _h.Terminal.SnapshotAsync(card)).Balance.Balance;
        _h.Time.Advance(TimeSpan.FromDays(2)); // 2026-01-07 09:00, the birthday

        var first = await _h.Admin.RunJobAsync("birthday", _h.Time.GetUtcNow()).WithTimeout();
        var second = await _h.Admin.RunJobAsync("birthday", _h.Time.GetUtcNow()).WithTimeout();
        var after = (await _h.Terminal.SnapshotAsync(card)).Balance.Balance;

        var run = Assert.Single(first.Runs);
        Assert.False(run.AlreadyDone);
        Assert.Equal("2026-01-07", run.Period);
        Assert.Equal(2000, run.PointsDelta); // INV-KZ-R6
        Assert.True(Assert.Single(second.Runs).AlreadyDone);
        Assert.Equal(before + 2000, after);
    }

    [Fact]
    public async Task RunJob_MissedAWeek_CatchesUpEveryDayOnce()
    {
        var card = await _h.RegisterAsync("INV-KZ", birthday: new DateOnly(1985, 1, 8));
        await _h.Admin.RunJobAsync("birthday", _h.Time.GetUtcNow()).WithTimeout(); // 2026-01-05
        _h.Time.Advance(TimeSpan.FromDays(7)); // down for a week: 2026-01-12

        var caughtUp = await _h.Admin.RunJobAsync("birthday", _h.Time.GetUtcNow()).WithTimeout();
        var again = await _h.Admin.RunJobAsync("all", _h.Time.GetUtcNow()).WithTimeout();
        var balance = (await _h.Terminal.SnapshotAsync(card)).Balance.Balance;

        // Jan 5 was run at 09:00 only, so its rest is done first (#17: what fell due later that day).
        Assert.Equal(["2026-01-05", "2026-01-06", "2026-01-07", "2026-01-08", "2026-01-09", "2026-01-10", "2026-01-11", "2026-01-12"], caughtUp.Runs.Select(r => r.Period));
        Assert.Equal(2000, caughtUp.Runs.Sum(r => r.PointsDelta));
        // Each missed day runs as of its end (UTC): Jan 7 23:59 UTC is already Jan 8 in Kazakhstan (+05:00).
        Assert.Equal("2026-01-07", caughtUp.Runs.Single(r => r.PointsDelta == 2000).Period);
        Assert.True(again.Runs.Single(r => r.Job == "birthday").AlreadyDone);
        Assert.Equal(500 + 2000, balance); // welcome (INV-KZ-R5) + birthday (INV-KZ-R6), once
    }

    [Fact]
    public async Task RunJob_ExpiryAfterBirthdayLotValidity_PointsWrittenOffAndLiabilityDrops()
    {
        var card = await _h.RegisterAsync("INV-KZ", birthday: new DateOnly(1990, 1, 6));
        _h.Time.Advance(TimeSpan.FromDays(1));
        await _h.Admin.RunJobAsync("birthday", _h.Time.GetUtcNow()).WithTimeout();
        var withBirthday = (await _h.Admin.LiabilityAsync(_h.Time.GetUtcNow()).WithTimeout()).Rows.Sum(r => r.PointsOutstanding);
        _h.Time.Advance(TimeSpan.FromDays(95)); // INV-KZ-R6: birthday points valid 3 months

        var expiry = await _h.Admin.RunJobAsync("expiry", _h.Time.GetUtcNow()).WithTimeout();
        var after = (await _h.Admin.LiabilityAsync(_h.Time.GetUtcNow()).WithTimeout()).Rows.Sum(r => r.PointsOutstanding);

        Assert.Equal(-2000, expiry.Runs.Sum(r => r.PointsDelta));
        Assert.Equal(withBirthday - 2000, after);
        Assert.Equal(500, (await _h.Terminal.SnapshotAsync(card)).Balance.Balance); // the welcome lot (1 year) stays
    }

    [Fact]
    public async Task Cli_TerminalCreate_TokenWorksAgainstTheRunningService()
    {
        var (code, output, _) = await CliAsync("terminal", "create", "lane-5", "--store-id", "shop-9", "--store", Db);
        var token = output.Split('\n').Single(l => l.StartsWith("token: ", StringComparison.Ordinal))["token: ".Length..].Trim();

        var programs = await _h.Client(token).ProgramsAsync().WithTimeout();

        Assert.Equal(0, code);
        Assert.Contains(programs.Programs, p => p.ProgramId == "INV-KZ" && p.Active);
        var (revokeCode, revoked, _) = await CliAsync("terminal", "revoke", "lane-5", "--store", Db);
        Assert.Equal(0, revokeCode);
        Assert.Contains("1 credential(s)", revoked, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Cli_TerminalCreateWithChainThenUpdateScopeChain_ListShowsIt_TokenRefundsAnotherStoresSale()
    {
        var card = await _h.RegisterAsync("INV-KZ");
        var (sellerCode, seller, _) = await CliAsync("terminal", "create", "w1-lane", "--store-id", "west-1", "--chain-id", "west", "--store", Db);
        var (officeCode, office, _) = await CliAsync("terminal", "create", "w2-office", "--store-id", "west-2", "--chain-id", "west", "--store", Db);
        var (updateCode, updated, _) = await CliAsync("terminal", "update", "w2-office", "--scope", "chain", "--store", Db);
        var (badCode, _, badError) = await CliAsync("terminal", "update", "w2-office", "--scope", "everything", "--store", Db);
        var (_, listed, _) = await CliAsync("terminal", "list", "--store", Db);
        var sale = Tx.Sale(card, _h.Time.GetUtcNow().AddHours(-1), cashMinor: 1_000_000);
        await _h.Client(TokenOf(seller)).SubmitAsync(sale).WithTimeout();

        var refund = (await _h.Client(TokenOf(office)).SubmitAsync(Tx.Refund(sale.TransactionId, _h.Time.GetUtcNow().AddMinutes(-30))).WithTimeout()).Results[0];

        Assert.Equal((0, 0, 0), (sellerCode, officeCode, updateCode));
        Assert.Contains("terminal w2-office (store west-2, chain west) scope chain", updated, StringComparison.Ordinal);
        Assert.NotEqual(0, badCode);
        Assert.Contains("everything", badError, StringComparison.Ordinal);
        Assert.Contains("w2-office\tstore=west-2\tchain=west\tscope=chain", listed, StringComparison.Ordinal);
        Assert.Contains("w1-lane\tstore=west-1\tchain=west\tscope=store", listed, StringComparison.Ordinal);
        Assert.Equal(TransactionOutcome.Applied, refund.Outcome);
    }

    [Fact]
    public async Task Cli_RunJobTwiceAndLiabilityReport_EarlierRunAlreadyDoneLaterRunRedoesTheDayReportHasTotals()
    {
        await _h.RegisterAsync("CSM");
        await _h.RegisterAsync("INV-KZ");

        var (first, out1, _) = await CliAsync("run-job", "expiry", "--as-of", "2026-01-05T10:00:00Z", "--store", Db);
        var (_, out2, _) = await CliAsync("run-job", "expiry", "--as-of", "2026-01-05T09:30:00Z", "--store", Db);
        var (_, out3, _) = await CliAsync("run-job", "expiry", "--as-of", "2026-01-05T11:00:00Z", "--store", Db);
        var (reportCode, report, _) = await CliAsync("liability-report", "--as-of", "2026-01-05T10:00:00Z", "--store", Db);

        Assert.Equal(0, first);
        Assert.Contains("\tdone", out1, StringComparison.Ordinal);
        Assert.Contains("already done", out2, StringComparison.Ordinal);
        Assert.Contains("2026-01-05\tdone", out3, StringComparison.Ordinal);
        Assert.Equal(0, reportCode);
        Assert.Matches(@"CSM\s+Member\s+1\s+100\b", report);
        Assert.Matches(@"INV-KZ\s+Silver\s+1\s+500\b", report);
        Assert.Matches(@"total\s+2\s+600\b", report);
    }

    [Fact]
    public async Task Cli_BadArguments_ClearErrorAndExitCode()
    {
        var (unknownJob, _, err1) = await CliAsync("run-job", "bogus", "--store", Db);
        var (badCard, _, err2) = await CliAsync("card", "show", "12ab", "--store", Db);
        var (missing, _, err3) = await CliAsync("card", "show", "7800000000000000", "--store", Db);

        Assert.Equal(2, unknownJob);
        Assert.Contains("unknown job 'bogus'", err1, StringComparison.Ordinal);
        Assert.Equal(2, badCard);
        Assert.Contains("card_number: must be 4..32 digits", err2, StringComparison.Ordinal);
        Assert.Equal(1, missing);
        Assert.Contains("is not registered", err3, StringComparison.Ordinal);
        Assert.DoesNotContain("7800000000000000", err3, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Cli_ServeWithBatchOrRateOutOfRange_RefusesNamingTheSetting()
    {
        var (batchCode, _, batchError) = await CliAsync("serve", "--url", "http://127.0.0.1:0", "--job-interval", "0", "--max-batch", "0", "--store", Db);
        var (rateCode, _, rateError) = await CliAsync("serve", "--url", "http://127.0.0.1:0", "--job-interval", "0", "--rate-limit", "0", "--rate-burst", "0", "--store", Db);

        Assert.NotEqual(0, batchCode);
        Assert.Contains("MaxBatchSize must be 1..10000 (was 0)", batchError, StringComparison.Ordinal);
        Assert.NotEqual(0, rateCode);
        Assert.Contains("RateLimitPerSecond must be at least 1 (was 0)", rateError, StringComparison.Ordinal);
        Assert.Contains("RateLimitBurst must be at least 1 (was 0)", rateError, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Calls_OverTheTerminalRateLimit_ResourceExhausted()
    {
        var outcomes = new List<StatusCode>();
        for (var i = 0; i < 10; i++)
        {
            try
            {
                await _h.Terminal.ProgramsAsync().WithTimeout();
                outcomes.Add(StatusCode.OK);
            }
            catch (RpcException ex)
            {
                outcomes.Add(ex.StatusCode);
            }
        }

        Assert.Equal([StatusCode.OK, StatusCode.OK, StatusCode.OK], outcomes.Take(3));
        Assert.Contains(StatusCode.ResourceExhausted, outcomes);
        Assert.All(outcomes, s => Assert.True(s is StatusCode.OK or StatusCode.ResourceExhausted));
    }

    private static string TokenOf(string output) =>
        output.Split('\n').Single(l => l.StartsWith("token: ", StringComparison.Ordinal))["token: ".Length..].Trim();

    private static async Task<(int Code, string Output, string Error)> CliAsync(params string[] args)
    {
        using var output = new StringWriter();
        using var error = new StringWriter();
        var code = await CentralCli.RunAsync(args, output, error).WithTimeout(TimeSpan.FromSeconds(60));
        return (code, output.ToString(), error.ToString());
    }
}
