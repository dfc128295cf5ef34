using System.Globalization;
using Microsoft.Extensions.Logging;
using PosAgent.Central.Internal.Service;
using PosAgent.Central.Storage;
using PosAgent.Contracts.Loyalty.V1;
using PosAgent.Rules;

namespace PosAgent.Central.Internal.Jobs;

/// <summary>
/// The periodic jobs. Each runs per day (period "yyyy-MM-dd", UTC), recorded in job_runs with the
/// instant it ran as of: a run of a period already done as of that instant or later does nothing,
/// a later run the same day does the day again and so picks up what fell due since (#17), and a
/// run after a gap does every missed day in order (each as of the end of that day), up to
/// <see cref="CentralOptions.JobCatchUpLimit"/> back. A run as of a time in the future of the
/// service clock is refused: it would mark days done before they happen.
/// The engine's job operations are themselves idempotent (lots expire once, a birthday is
/// granted once a year, decay months and monthly batches are counted in the account), so a run
/// interrupted half-way is simply run again.
/// </summary>
internal sealed class JobRunner(ILoyaltyStore store, ProgramCatalog programs, ChangeFeed feed, CentralOptions options, TimeProvider time, ILogger logger)
{
    public static readonly IReadOnlyList<string> Names = ["monthly-accrual", "tier-changes", "birthday", "inactivity", "expiry", "card-end"];
    private const int Page = 200;

    public async Task<IReadOnlyList<JobRun>> RunAsync(string job, DateTimeOffset asOf, CancellationToken cancellationToken)
    {
        var jobs = job == "all" ? Names : Names.Contains(job) ? [job] : throw new RequestValidationException("job", $"unknown job '{job}'; one of: {string.Join(", ", Names)}, all");
        var latest = time.GetUtcNow() + options.MaxClockSkew;
        if (asOf > latest)
        {
            throw new RequestValidationException("as_of", $"is {asOf:O}, in the future of the service clock ({latest:O}); jobs run only on what is due (to see what a date brings, ask for the balance as of it)");
        }

        var runs = new List<JobRun>();
        foreach (var name in jobs)
        {
            runs.AddRange(await RunOneAsync(name, asOf, cancellationToken).ConfigureAwait(false));
        }

        return runs;
    }

    private async Task<IReadOnlyList<JobRun>> RunOneAsync(string job, DateTimeOffset asOf, CancellationToken cancellationToken)
    {
        var today = DateOnly.FromDateTime(asOf.UtcDateTime);
        var last = await store.ReadAsync((s, ct) => s.GetLastJobRunAsync(job, ct), cancellationToken).ConfigureAwait(false);
        var earliest = DateOnly.FromDateTime((asOf - options.JobCatchUpLimit).UtcDateTime);
        var start = today;
        if (last is not null)
        {
            // A day run before its end is done again by a later run, which picks up what fell due since.
            var lastDay = DateOnly.ParseExact(last.Period, "yyyy-MM-dd", CultureInfo.InvariantCulture);
            start = last.AsOf < EndOf(lastDay) ? lastDay : lastDay.AddDays(1);
        }

        if (start < earliest)
        {
            start = earliest;
        }

        var runs = new List<JobRun>();
        if (start > today)
        {
            runs.Add(new JobRun { Job = job, Period = Period(today), AlreadyDone = true });
            return runs;
        }

        for (var day = start; day <= today; day = day.AddDays(1))
        {
            var at = day == today ? asOf : EndOf(day);
            runs.Add(await RunPeriodAsync(job, Period(day), at, cancellationToken).ConfigureAwait(false));
        }

        return runs;
    }

    private static DateTimeOffset EndOf(DateOnly day) => new DateTimeOffset(day.AddDays(1).ToDateTime(TimeOnly.MinValue), TimeSpan.Zero).AddTicks(-1);

    private async Task<JobRun> RunPeriodAsync(string job, string period, DateTimeOffset at, CancellationToken cancellationToken)
    {
        if (await store.ReadAsync((s, ct) => s.GetJobRunAsync(job, period, ct), cancellationToken).ConfigureAwait(false) is { } done && done.AsOf >= at)
        {
            return new JobRun { Job = job, Period = period, AlreadyDone = true, AccountsAffected = done.AccountsAffected, PointsDelta = done.PointsDelta };
        }

        var (accounts, points) = job == "card-end"
            ? await EndCardsAsync(at, cancellationToken).ConfigureAwait(false)
            : await WalkAccountsAsync(job, at, cancellationToken).ConfigureAwait(false);
        var alreadyDone = await store.WriteAsync(async (s, ct) =>
        {
            var existing = await s.GetJobRunAsync(job, period, ct);
            if (existing is null)
            {
                await s.InsertJobRunAsync(new JobRunRecord(job, period, time.GetUtcNow(), at, accounts, points), ct);
                return false;
            }

            if (existing.AsOf >= at)
            {
                return true;
            }

            await s.UpdateJobRunAsync(new JobRunRecord(job, period, time.GetUtcNow(), at, existing.AccountsAffected + accounts, existing.PointsDelta + points), ct);
            return false;
        }, cancellationToken).ConfigureAwait(false);
        CentralLog.JobRan(logger, job, period, accounts, points);
        return new JobRun { Job = job, Period = period, AlreadyDone = alreadyDone, AccountsAffected = accounts, PointsDelta = points };
    }

    private async Task<(long Accounts, long Points)> WalkAccountsAsync(string job, DateTimeOffset at, CancellationToken cancellationToken)
    {
        var active = await programs.ActiveAsync(cancellationToken).ConfigureAwait(false);
        long affected = 0;
        long points = 0;
        var after = string.Empty;
        while (true)
        {
            var ids = await store.ReadAsync((s, ct) => s.ListAccountIdsAsync(after, Page, ct), cancellationToken).ConfigureAwait(false);
            if (ids.Count == 0)
            {
                return (affected, points);
            }

            after = ids[^1];
            var (a, p) = await store.WriteAsync(async (s, ct) =>
            {
                long pageAffected = 0;
                long pagePoints = 0;
                var accounts = await s.GetAccountsAsync(ids, forUpdate: true, ct);
                foreach (var account in accounts.Values)
                {
                    if (!active.TryGetValue(account.ProgramId, out var program))
                    {
                        continue;
                    }

                    var engine = programs.Engine(program);
                    var state = AccountStateJson.Deserialize(account.StateJson);
                    OperationResult op;
                    try
                    {
                        op = Run(engine, job, state, at);
                    }
                    catch (LoyaltyRuleException ex)
                    {
                        // Blocked or annulled accounts, or a day already behind the account's last operation.
                        CentralLog.JobSkippedAccount(logger, job, account.AccountId, ex.Code.ToString());
                        continue;
                    }

                    var delta = op.PointsEarned - op.PointsRemoved;
                    if (delta == 0 && op.LotChanges.Count == 0 && op.TierAfter == op.TierBefore)
                    {
                        continue;
                    }

                    var summary = engine.Summarize(op.State, at);
                    await s.UpdateAccountAsync(account with
                    {
                        StateJson = AccountStateJson.Serialize(op.State),
                        Version = account.Version + 1,
                        Figures = ProtoMapping.Figures(summary),
                        UpdatedAt = time.GetUtcNow(),
                    }, account.Version, ct);
                    pageAffected++;
                    pagePoints += delta;
                }

                return (pageAffected, pagePoints);
            }, cancellationToken).ConfigureAwait(false);
            affected += a;
            points += p;
        }
    }

    private static OperationResult Run(LoyaltyEngine engine, string job, AccountState state, DateTimeOffset at) => job switch
    {
        "monthly-accrual" => engine.RunMonthlyAccrual(state, at),
        "tier-changes" => engine.ApplyTierChanges(state, at),
        "birthday" => engine.GrantBirthday(state, at),
        "inactivity" => engine.ApplyInactivityDecay(state, at),
        "expiry" => engine.ExpireLots(state, at),
        _ => throw new ArgumentOutOfRangeException(nameof(job), job, "not an account job"),
    };

    /// <summary>CSM-R13: a card past its end date stops working (the balance stays, for an extension).</summary>
    private async Task<(long Accounts, long Points)> EndCardsAsync(DateTimeOffset at, CancellationToken cancellationToken)
    {
        long ended = 0;
        while (true)
        {
            var count = await store.WriteAsync(async (s, ct) =>
            {
                var cards = await s.ListActiveCardsEndingAsync(at, Page, ct);
                foreach (var card in cards)
                {
                    var expired = card with { Status = CardStatus.Expired };
                    await s.UpdateCardAsync(expired, ct);
                    await feed.AppendAsync(s, AccountService.CardChange(expired, at), at, ct);
                }

                return cards.Count;
            }, cancellationToken).ConfigureAwait(false);
            ended += count;
            if (count < Page)
            {
                if (ended > 0)
                {
                    feed.NotifyCommitted();
                }

                return (ended, 0);
            }
        }
    }

    private static string Period(DateOnly day) => day.ToString("yyyy-MM-dd", CultureInfo.InvariantCulture);
}
