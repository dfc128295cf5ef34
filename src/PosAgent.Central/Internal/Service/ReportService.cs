using PosAgent.Central.Storage;
using PosAgent.Contracts.Loyalty.V1;
using PosAgent.Rules;

namespace PosAgent.Central.Internal.Service;

/// <summary>The points-liability report: points outstanding by program and tier, derived from every account's lots as of a time.</summary>
internal sealed class ReportService(ILoyaltyStore store, ProgramCatalog programs)
{
    public async Task<LiabilityReport> LiabilityAsync(DateTimeOffset asOf, CancellationToken cancellationToken)
    {
        var active = await programs.ActiveAsync(cancellationToken).ConfigureAwait(false);
        var rows = new SortedDictionary<(string Program, string Tier), LiabilityRow>();
        var after = string.Empty;
        while (true)
        {
            var ids = await store.ReadAsync((s, ct) => s.ListAccountIdsAsync(after, 500, ct), cancellationToken).ConfigureAwait(false);
            if (ids.Count == 0)
            {
                break;
            }

            after = ids[^1];
            var accounts = await store.ReadAsync((s, ct) => s.GetAccountsAsync(ids, false, ct), cancellationToken).ConfigureAwait(false);
            foreach (var account in accounts.Values)
            {
                if (!active.TryGetValue(account.ProgramId, out var program))
                {
                    continue;
                }

                var summary = programs.Engine(program).Summarize(AccountStateJson.Deserialize(account.StateJson), asOf);
                if (summary.Status == AccountStatus.Annulled)
                {
                    continue;
                }

                var key = (account.ProgramId, summary.TierId);
                if (!rows.TryGetValue(key, out var row))
                {
                    row = new LiabilityRow { ProgramId = key.ProgramId, Tier = key.TierId };
                    rows[key] = row;
                }

                row.Accounts++;
                row.PointsOutstanding += summary.Balance;
                row.PointsUsable += summary.Usable;
                row.PointsPending += summary.Pending;
            }
        }

        var report = new LiabilityReport { AsOf = ProtoMapping.Ts(asOf) };
        report.Rows.AddRange(rows.Values);
        return report;
    }
}
