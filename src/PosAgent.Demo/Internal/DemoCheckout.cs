using System.Globalization;
using System.Threading.Channels;
using FirmwareSim;
using Grpc.Core;
using PosAgent.Agent;
using PosAgent.Contracts.PosAgent.V1;

namespace PosAgent.Demo.Internal;

/// <summary>
/// One checkout end to end, as a cashier would do it: lines on the POS, the member's card scanned
/// on the (simulated) scanner, a quote, payment partly with points, the receipt printed.
/// </summary>
internal static class DemoCheckout
{
    public static async Task<bool> RunAsync(LocalApiClient agent, Lane lane, TextWriter output, TimeSpan stepTimeout, CancellationToken cancellationToken)
    {
        var card = DemoSeed.Members[0].Card;
        using var watching = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken);
        var events = Channel.CreateUnbounded<AgentEvent>();
        var pump = PumpAsync(agent, events.Writer, watching.Token);
        try
        {
            await output.WriteLineAsync("\n== Demo checkout").ConfigureAwait(false);
            await WaitForScannerAsync(agent, stepTimeout, cancellationToken).ConfigureAwait(false);
            await WaitForMemberAsync(agent, card, stepTimeout, cancellationToken).ConfigureAwait(false);

            var check = await agent.OpenCheckAsync(new OpenCheckRequest { ClientReference = "demo-1", CashierId = "demo" }, cancellationToken).ConfigureAwait(false);
            check = await agent.AddLineAsync(new AddLineRequest { CheckId = check.CheckId, Sku = "LAB-CBC", Name = "Complete blood count", Category = "lab", UnitPriceMinor = 450_000, Quantity = 1 }, cancellationToken).ConfigureAwait(false);
            check = await agent.AddLineAsync(new AddLineRequest { CheckId = check.CheckId, Sku = "BIO-VEN", Name = "Venous blood draw", Category = "biomaterial", UnitPriceMinor = 120_000, Quantity = 1 }, cancellationToken).ConfigureAwait(false);
            await output.WriteLineAsync($"1. POS opened check {check.CheckId} with 2 lines, total {Money(check.TotalMinor, check.Currency)}").ConfigureAwait(false);

            var written = await lane.Scanner.ScanAsync(card, Symbology.Ean13, cancellationToken).ConfigureAwait(false);
            await output.WriteLineAsync($"2. scanned card {card} on the simulated scanner ({written.Frame.Length} bytes on the line)").ConfigureAwait(false);
            var attached = await NextAsync(events.Reader, e => e.CardAttached?.CheckId == check.CheckId, stepTimeout, "the scanned card to be attached to the check", cancellationToken).ConfigureAwait(false);
            var summary = attached.CardAttached.Card;
            await output.WriteLineAsync($"   the agent attached {summary.MaskedNumber} ({summary.ProgramId}, tier {summary.Tier}, {summary.Usable} points usable, {summary.Source})").ConfigureAwait(false);

            var quote = await agent.QuoteAsync(new QuoteRequest { CheckId = check.CheckId }, cancellationToken).ConfigureAwait(false);
            await output.WriteLineAsync($"3. quote: earns {quote.PointsToEarn} points; at most {quote.MaxPointsSpendable} points spendable ({quote.BindingLimitDescription})").ConfigureAwait(false);
            foreach (var line in quote.Explanation)
            {
                await output.WriteLineAsync($"     {line.Points,6}  {line.RuleId}  {line.Description}").ConfigureAwait(false);
            }

            var points = Math.Min(quote.MaxPointsSpendable, 300);
            var payment = new PaymentSplit { Points = points, CashMinor = quote.TotalMinor - (points * quote.MinorPerPoint) };
            var commit = await agent.CommitAsync(new CommitRequest { CheckId = check.CheckId, Payment = payment, PrintReceipt = true }, cancellationToken).ConfigureAwait(false);
            await output.WriteLineAsync($"4. paid {points} points + {Money(payment.CashMinor, commit.Check.Currency)} cash: operation {commit.OperationId}").ConfigureAwait(false);
            await output.WriteLineAsync($"   earned {commit.PointsEarned}, spent {commit.PointsSpent}, balance {commit.BalanceAfter}, tier {commit.Tier}, redemption {commit.Redemption}{(commit.Pending ? " (pending confirmation)" : string.Empty)}").ConfigureAwait(false);

            using var receiptWait = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken);
            receiptWait.CancelAfter(stepTimeout);
            var receipt = await lane.Printer.WaitForReceiptAsync(r => r.Text.Contains(check.CheckId, StringComparison.Ordinal) || r.Text.Contains(commit.OperationId, StringComparison.Ordinal), receiptWait.Token).ConfigureAwait(false);
            await output.WriteLineAsync($"5. the simulated printer cut receipt #{receipt.Number}: {receipt.TextPath}").ConfigureAwait(false);
            await output.WriteLineAsync(receipt.Text.TrimEnd()).ConfigureAwait(false);
            await output.WriteLineAsync($"   (the same receipt drawn as HTML: {receipt.HtmlPath})").ConfigureAwait(false);

            var balance = await agent.GetBalanceAsync(new GetBalanceRequest { CardNumber = card }, cancellationToken).ConfigureAwait(false);
            await output.WriteLineAsync($"6. balance of {balance.Card.MaskedNumber} now: {balance.Card.Balance} points ({balance.Card.Usable} usable), {balance.Card.Source}").ConfigureAwait(false);
            return points > 0 && commit.PointsSpent == points;
        }
        catch (Exception ex) when (ex is RpcException or TimeoutException)
        {
            await output.WriteLineAsync($"demo checkout failed: {ex.Message}").ConfigureAwait(false);
            return false;
        }
        finally
        {
            await watching.CancelAsync().ConfigureAwait(false);
            await pump.ConfigureAwait(ConfigureAwaitOptions.SuppressThrowing);
        }
    }

    private static async Task WaitForScannerAsync(LocalApiClient agent, TimeSpan timeout, CancellationToken cancellationToken)
    {
        // The driver flushes its input when it opens the port: scan only once it is connected.
        var deadline = DateTime.UtcNow + timeout;
        while (true)
        {
            var status = await agent.GetStatusAsync(cancellationToken).ConfigureAwait(false);
            if (status.Devices.Any(d => d.Kind == DeviceKind.Scanner && d.State == DeviceState.Connected))
            {
                return;
            }

            if (DateTime.UtcNow > deadline)
            {
                throw new TimeoutException($"the agent did not connect to the simulated scanner within {timeout.TotalSeconds:0} s: " +
                    string.Join("; ", status.Devices.Select(d => $"{d.Name} {d.State} {d.Detail}")));
            }

            await Task.Delay(TimeSpan.FromMilliseconds(100), cancellationToken).ConfigureAwait(false);
        }
    }

    private static async Task WaitForMemberAsync(LocalApiClient agent, string card, TimeSpan timeout, CancellationToken cancellationToken)
    {
        // The demo shows paying with points, so the agent must hold the member's ledger figures before
        // the scan: a card attached while the central is still starting is an offline estimate with
        // nothing usable, which is right for a real till and useless for a demo.
        var deadline = DateTime.UtcNow + timeout;
        while (true)
        {
            try
            {
                var balance = await agent.GetBalanceAsync(new GetBalanceRequest { CardNumber = card }, cancellationToken).ConfigureAwait(false);
                if (balance.Card.Source == DataSource.Central)
                {
                    return;
                }
            }
            catch (RpcException ex) when (ex.StatusCode is StatusCode.Unavailable && DateTime.UtcNow <= deadline)
            {
                // The central is not answering yet.
            }

            if (DateTime.UtcNow > deadline)
            {
                throw new TimeoutException($"the agent could not read the demo member's balance from the central service within {timeout.TotalSeconds:0} s");
            }

            await Task.Delay(TimeSpan.FromMilliseconds(100), cancellationToken).ConfigureAwait(false);
        }
    }

    private static async Task<AgentEvent> NextAsync(ChannelReader<AgentEvent> events, Func<AgentEvent, bool> match, TimeSpan timeout, string what, CancellationToken cancellationToken)
    {
        using var cts = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken);
        cts.CancelAfter(timeout);
        try
        {
            while (true)
            {
                var e = await events.ReadAsync(cts.Token).ConfigureAwait(false);
                if (match(e))
                {
                    return e;
                }
            }
        }
        catch (OperationCanceledException) when (!cancellationToken.IsCancellationRequested)
        {
            throw new TimeoutException($"waited {timeout.TotalSeconds:0} s for {what}");
        }
    }

    private static async Task PumpAsync(LocalApiClient agent, ChannelWriter<AgentEvent> writer, CancellationToken cancellationToken)
    {
        try
        {
            await foreach (var e in agent.WatchEventsAsync(new WatchEventsRequest(), cancellationToken).ConfigureAwait(false))
            {
                await writer.WriteAsync(e, cancellationToken).ConfigureAwait(false);
            }
        }
        finally
        {
            writer.TryComplete();
        }
    }

    private static string Money(long minor, string currency) =>
        string.Create(CultureInfo.InvariantCulture, $"{minor / 100:#,0}.{Math.Abs(minor % 100):00} {currency}").TrimEnd();
}
