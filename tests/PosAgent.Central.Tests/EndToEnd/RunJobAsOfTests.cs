using System.Globalization;
using Grpc.Core;
using PosAgent.Central.Tests.Support;
using PosAgent.Contracts.Loyalty.V1;
using PosAgent.TestSupport;

namespace PosAgent.Central.Tests.EndToEnd;

/// <summary>
/// #17, section 4: a job run as of a future date used to be accepted by the operator CLI and then
/// made today's runs answer "already done" until that date; and a day run in the morning left what
/// fell due later that day for tomorrow. Balances can be asked as of a date instead of running jobs.
/// </summary>
public sealed class RunJobAsOfTests : IAsyncLifetime
{
    private readonly TempDirectory _dir = new("pa-central-");
    private CentralHarness _h = null!;

    private string Db => _dir.File("central.db");

    public async Task InitializeAsync() => _h = await CentralHarness.StartAsync(Db);

    public async Task DisposeAsync()
    {
        await _h.DisposeAsync();
        _dir.Dispose();
    }

    [Fact]
    public async Task RunJobCli_FutureAsOf_RefusedAsByTheAdminApiAndTodaysRunStillRuns()
    {
        var future = DateTimeOffset.UtcNow.AddDays(3).ToString("O", CultureInfo.InvariantCulture);

        var (code, _, error) = await CliAsync("run-job", "expiry", "--as-of", future, "--store", Db);
        var api = await Assert.ThrowsAsync<RpcException>(() => _h.Admin.RunJobAsync("expiry", _h.Time.GetUtcNow().AddDays(3)).WithTimeout());
        var (todayCode, today, _) = await CliAsync("run-job", "expiry", "--store", Db);

        Assert.Equal(2, code);
        Assert.Contains("as_of", error, StringComparison.Ordinal);
        Assert.Contains("future", error, StringComparison.Ordinal);
        Assert.Equal(StatusCode.InvalidArgument, api.StatusCode);
        Assert.Equal(0, todayCode);
        Assert.Contains("\tdone", today, StringComparison.Ordinal);
        Assert.DoesNotContain("already done", today, StringComparison.Ordinal);
    }

    [Fact]
    public async Task RunJob_AgainLaterTheSameDay_ExpiresWhatFellDueSinceTheFirstRun()
    {
        var card = await _h.RegisterAsync("INV-KZ"); // welcome 500 points, valid 1 year (INV-KZ-R5)
        var welcome = Assert.Single((await _h.Terminal.SnapshotAsync(card).WithTimeout()).Lots);
        var expires = welcome.ExpiresAt.ToDateTimeOffset();
        var before = expires.AddMinutes(-1);
        var after = expires.AddMinutes(1);
        Assert.Equal(before.UtcDateTime.Date, after.UtcDateTime.Date);
        _h.Time.Advance(after - _h.Time.GetUtcNow());

        var morning = Assert.Single((await _h.Admin.RunJobAsync("expiry", before).WithTimeout()).Runs, r => r.Period == before.ToString("yyyy-MM-dd", CultureInfo.InvariantCulture));
        var later = Assert.Single((await _h.Admin.RunJobAsync("expiry", after).WithTimeout()).Runs);
        var again = Assert.Single((await _h.Admin.RunJobAsync("expiry", after).WithTimeout()).Runs);

        Assert.False(morning.AlreadyDone);
        Assert.Equal(0, morning.PointsDelta);
        Assert.False(later.AlreadyDone);
        Assert.Equal(morning.Period, later.Period);
        Assert.Equal(-500, later.PointsDelta);
        Assert.True(again.AlreadyDone);
    }

    [Fact]
    public async Task GetCardSnapshot_AsOfAfterExpiry_ShowsThePointsGoneWithoutRunningJobs()
    {
        var card = await _h.RegisterAsync("INV-KZ");
        var now = await _h.Terminal.SnapshotAsync(card).WithTimeout();
        var expires = Assert.Single(now.Lots).ExpiresAt.ToDateTimeOffset();

        var justBefore = await _h.Terminal.SnapshotAsync(card, expires.AddMinutes(-1)).WithTimeout();
        var justAfter = await _h.Terminal.SnapshotAsync(card, expires.AddMinutes(1)).WithTimeout();
        var (code, cli, _) = await CliAsync("card", "show", card, "--as-of", expires.AddMinutes(1).ToString("O", CultureInfo.InvariantCulture), "--store", Db);
        var tooFar = await Assert.ThrowsAsync<RpcException>(() => _h.Terminal.SnapshotAsync(card, _h.Time.GetUtcNow().AddYears(11)).WithTimeout());

        Assert.Equal(500, now.Balance.Usable);
        Assert.Equal(500, justBefore.Balance.Usable);
        Assert.Equal(0, justAfter.Balance.Balance);
        Assert.Empty(justAfter.Lots);
        Assert.Equal(expires.AddMinutes(1), justAfter.AsOf.ToDateTimeOffset());
        Assert.Equal(0, code);
        Assert.Contains("balance 0,", cli, StringComparison.Ordinal);
        Assert.Equal(StatusCode.InvalidArgument, tooFar.StatusCode);
        Assert.StartsWith("as_of", tooFar.Status.Detail, StringComparison.Ordinal);
    }

    private static async Task<(int Code, string Output, string Error)> CliAsync(params string[] args)
    {
        using var output = new StringWriter();
        using var error = new StringWriter();
        var code = await PosAgent.Central.CentralCli.RunAsync(args, output, error).WithTimeout(TimeSpan.FromSeconds(60));
        return (code, output.ToString(), error.ToString());
    }
}
