using PosAgent.Contracts.PosAgent.V1;
using Spectre.Console;
using SpectreText = Spectre.Console.Text;

namespace PosAgent.Cli.Internal;

/// <summary>Human-readable output of the API's answers.</summary>
internal static class Render
{
    public static void Check(IAnsiConsole console, Check check)
    {
        console.MarkupLine($"check [bold]{Markup.Escape(check.CheckId)}[/]  {Fmt.Enum(check.State)}  total {Markup.Escape(Fmt.Money(check.TotalMinor, check.Currency))}");
        if (check.ClientReference.Length > 0)
        {
            console.WriteLine($"  reference: {check.ClientReference}");
        }

        console.WriteLine($"  card: {Fmt.Card(check.Card)}");
        if (check.OperationId.Length > 0)
        {
            console.WriteLine($"  operation: {check.OperationId}");
        }

        if (check.Lines.Count == 0)
        {
            console.WriteLine("  no lines");
            return;
        }

        var table = new Table().Border(TableBorder.Simple)
            .AddColumn("line").AddColumn("sku").AddColumn("name").AddColumn("category")
            .AddColumn(new TableColumn("price").RightAligned()).AddColumn(new TableColumn("qty").RightAligned())
            .AddColumn(new TableColumn("total").RightAligned()).AddColumn("flags");
        foreach (var line in check.Lines)
        {
            var flags = string.Join(",", new[]
            {
                line.Discounted ? "discounted" : null,
                line.Promotional ? "promo" : null,
                line.RefundedQuantity > 0 ? $"refunded {line.RefundedQuantity}" : null,
            }.Where(f => f is not null));
            table.AddRow(Cells(line.LineId, line.Sku, line.Name, line.Category, Fmt.Money(line.UnitPriceMinor, string.Empty),
                line.Quantity.ToString(System.Globalization.CultureInfo.InvariantCulture), Fmt.Money(line.TotalMinor, string.Empty), flags));
        }

        console.Write(table);
    }

    public static void Quote(IAnsiConsole console, QuoteResponse quote, string currency)
    {
        console.MarkupLine($"quote for check [bold]{Markup.Escape(quote.CheckId)}[/]  total {Markup.Escape(Fmt.Money(quote.TotalMinor, currency))}  ({Fmt.Enum(quote.Source)})");
        console.WriteLine($"  card: {Fmt.Card(quote.Card)}");
        console.WriteLine($"  program: {Fmt.Or(quote.ProgramId)} version {Fmt.Or(quote.ProgramVersion)}");
        if (quote.DiscountMinor > 0)
        {
            console.WriteLine($"  discount card: -{Fmt.Money(quote.DiscountMinor, currency)}, to pay {Fmt.Money(quote.TotalMinor - quote.DiscountMinor, currency)}");
        }

        console.WriteLine($"  points to earn: {Fmt.Points(quote.PointsToEarn)}");
        console.WriteLine($"  most points spendable: {Fmt.Points(quote.MaxPointsSpendable)} (limit: {Fmt.Or(quote.BindingLimit)}{(quote.BindingLimitDescription.Length > 0 ? " - " + quote.BindingLimitDescription : string.Empty)})");
        Explanation(console, quote.Explanation);
    }

    public static void Commit(IAnsiConsole console, CommitResponse commit)
    {
        console.MarkupLine($"committed [bold]{Markup.Escape(commit.OperationId)}[/]{(commit.Pending ? "  [yellow]pending[/] (an estimate until the central service confirms)" : string.Empty)}");
        console.WriteLine($"  check: {commit.Check?.CheckId}  total {Fmt.Money(commit.Check?.TotalMinor ?? 0, commit.Check?.Currency ?? string.Empty)}");
        console.WriteLine($"  points earned: {Fmt.Points(commit.PointsEarned)}  spent: {Fmt.Points(commit.PointsSpent)}  balance after: {Fmt.Points(commit.BalanceAfter)}  tier: {Fmt.Or(commit.Tier)}");
        console.WriteLine($"  redemption: {Fmt.Enum(commit.Redemption)}");
        if (commit.DiscountMinor > 0)
        {
            console.WriteLine($"  discount card: -{Fmt.Money(commit.DiscountMinor, commit.Check?.Currency ?? string.Empty)}");
        }
        if (commit.PrintJobId.Length > 0)
        {
            console.WriteLine($"  receipt print job: {commit.PrintJobId}");
        }

        Explanation(console, commit.Explanation);
    }

    public static void Refund(IAnsiConsole console, RefundResponse refund)
    {
        var currency = refund.Check?.Currency ?? string.Empty;
        console.MarkupLine($"refunded [bold]{Markup.Escape(refund.RefundOperationId)}[/]{(refund.Pending ? "  [yellow]pending[/]" : string.Empty)}");
        console.WriteLine($"  check: {refund.Check?.CheckId}  now {Fmt.Enum(refund.Check?.State ?? CheckState.Unspecified)}");
        console.WriteLine($"  money back: {Fmt.Money(refund.RefundMinor, currency)}  points taken back: {Fmt.Points(refund.PointsTakenBack)}  points returned: {Fmt.Points(refund.PointsReturned)}");
        if (refund.PrintJobId.Length > 0)
        {
            console.WriteLine($"  receipt print job: {refund.PrintJobId}");
        }
    }

    public static void Balance(IAnsiConsole console, BalanceResponse balance)
    {
        var card = balance.Card ?? new CardSummary();
        console.MarkupLine($"card [bold]{Markup.Escape(Fmt.Or(card.MaskedNumber))}[/]  {Fmt.Enum(card.State)}  ({Fmt.Enum(card.Source)}, as of {Fmt.Time(card.AsOf)})");
        if (card.HolderName.Length > 0)
        {
            console.WriteLine($"  holder: {card.HolderName}");
        }

        console.WriteLine($"  program: {Fmt.Or(card.ProgramId)}  tier: {Fmt.Or(card.Tier)}");
        console.WriteLine($"  balance: {Fmt.Points(card.Balance)}  usable: {Fmt.Points(card.Usable)}  pending: {Fmt.Points(card.Pending)}");
        console.WriteLine($"  offline allowance left: {Fmt.Points(card.OfflineAllowanceLeft)}");
        if (balance.ExpiringSoon > 0)
        {
            console.WriteLine($"  expiring soon: {Fmt.Points(balance.ExpiringSoon)} by {Fmt.Time(balance.ExpiringSoonBy)}");
        }
    }

    public static void Status(IAnsiConsole console, StatusResponse status, string endpoint)
    {
        console.MarkupLine($"agent [bold]{Markup.Escape(Fmt.Or(status.TerminalId))}[/] (store {Markup.Escape(Fmt.Or(status.StoreId))}), version {Markup.Escape(Fmt.Or(status.AgentVersion))}, up since {Fmt.Time(status.StartedAt)}, at {Markup.Escape(endpoint)}");
        var central = status.Central ?? new CentralStatus();
        var state = Fmt.Enum(central.State);
        var colour = central.State switch
        {
            ConnectivityState.Online => "green",
            ConnectivityState.Offline => "red",
            ConnectivityState.Degraded => "yellow",
            _ => "grey",
        };
        console.MarkupLine($"central: [{colour}]{state}[/]  {Markup.Escape(Fmt.Or(central.Endpoint, "(none configured)"))}  last contact {Fmt.Time(central.LastContact)}");
        if (central.LastError.Length > 0)
        {
            console.WriteLine($"  last error: {central.LastError}");
        }

        var outbox = status.Outbox ?? new OutboxStatus();
        console.WriteLine($"outbox: {outbox.Pending} pending (oldest {Fmt.Time(outbox.OldestPendingAt)}), {outbox.Parked} parked, {outbox.SyncedSinceStart} synced since start; last sync {Fmt.Time(status.LastSync)}");
        var exposure = status.OfflineExposure ?? new OfflineExposure();
        console.WriteLine($"offline exposure: {Fmt.Points(exposure.PointsUnconfirmed)} points unconfirmed on {exposure.Cards} card(s), {Fmt.Points(exposure.PointsOverspentReported)} reported overspent");
        console.WriteLine($"open checks: {status.OpenChecks}");

        var devices = new Table().Border(TableBorder.Simple).AddColumn("device").AddColumn("kind").AddColumn("state").AddColumn("path").AddColumn("detail").AddColumn("since");
        foreach (var device in status.Devices)
        {
            devices.AddRow(Cells(device.Name, Fmt.Enum(device.Kind), Fmt.Enum(device.State), device.Path, device.Detail, Fmt.Time(device.Since)));
        }

        if (status.Devices.Count == 0)
        {
            console.WriteLine("devices: none configured");
        }
        else
        {
            console.Write(devices);
        }

        var programs = new Table().Border(TableBorder.Simple).AddColumn("program").AddColumn("version").AddColumn("fetched");
        foreach (var program in status.Programs)
        {
            programs.AddRow(Cells(program.ProgramId, program.Version, Fmt.Time(program.FetchedAt)));
        }

        if (status.Programs.Count == 0)
        {
            console.WriteLine("programs: none loaded");
        }
        else
        {
            console.Write(programs);
        }
    }

    /// <summary>One line per event, for `posagent events`.</summary>
    public static string Event(AgentEvent e)
    {
        var head = $"#{e.Sequence} {Fmt.Time(e.Time)} ";
        return head + e.EventCase switch
        {
            AgentEvent.EventOneofCase.Scan => $"scan on {e.Scan.Device}: {e.Scan.Symbology} '{e.Scan.Data}'" +
                (e.Scan.IsCard ? " (loyalty card" + (e.Scan.AttachedToCheckId.Length > 0 ? $", attached to check {e.Scan.AttachedToCheckId})" : ")") : string.Empty) +
                (e.Scan.Error.Length > 0 ? $" error: {e.Scan.Error}" : string.Empty),
            AgentEvent.EventOneofCase.DeviceStatus => $"device {e.DeviceStatus.Name} ({Fmt.Enum(e.DeviceStatus.Kind)}): {Fmt.Enum(e.DeviceStatus.State)}" +
                (e.DeviceStatus.Detail.Length > 0 ? $" - {e.DeviceStatus.Detail}" : string.Empty),
            AgentEvent.EventOneofCase.PrintJobCompleted => $"printed job {e.PrintJobCompleted.JobId} for operation {e.PrintJobCompleted.OperationId} on {e.PrintJobCompleted.Printer}{(e.PrintJobCompleted.Copy ? " (copy)" : string.Empty)}",
            AgentEvent.EventOneofCase.SyncState => $"sync: {Fmt.Enum(e.SyncState.State)}, {e.SyncState.Pending} pending, {e.SyncState.Parked} parked, {e.SyncState.SyncedInBatch} synced in batch" +
                (e.SyncState.LastError.Length > 0 ? $", last error: {e.SyncState.LastError}" : string.Empty),
            AgentEvent.EventOneofCase.Correction => $"correction of {e.Correction.OperationId} ({e.Correction.MaskedCardNumber}): earned {e.Correction.EstimatedPointsEarned} -> {e.Correction.ActualPointsEarned}, spent {e.Correction.EstimatedPointsSpent} -> {e.Correction.ActualPointsSpent}, balance {e.Correction.BalanceAfter}" +
                (e.Correction.Reason.Length > 0 ? $" ({e.Correction.Reason})" : string.Empty),
            AgentEvent.EventOneofCase.CardAttached => $"card {e.CardAttached.Card?.MaskedNumber} attached to check {e.CardAttached.CheckId} via {e.CardAttached.Via}",
            AgentEvent.EventOneofCase.OperationParked => $"operation {e.OperationParked.OperationId} ({e.OperationParked.Kind}) parked: {e.OperationParked.Error}",
            _ => "unknown event (a newer agent?)",
        };
    }

    private static void Explanation(IAnsiConsole console, IEnumerable<EarnExplanation> explanation)
    {
        foreach (var item in explanation)
        {
            console.WriteLine($"    {Fmt.Points(item.Points),8}  {item.RuleId}  {item.Description}{(item.LineId.Length > 0 ? $" (line {item.LineId})" : string.Empty)}");
        }
    }

    private static SpectreText[] Cells(params string[] values) => [.. values.Select(v => new SpectreText(v))];
}
