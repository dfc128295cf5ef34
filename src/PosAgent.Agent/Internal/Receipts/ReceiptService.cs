using PosAgent.Agent.Internal.Cards;
using PosAgent.Agent.Internal.Estimation;
using PosAgent.Agent.Internal.Storage;
using PosAgent.Contracts.PosAgent.V1;
using Loyalty = PosAgent.Contracts.Loyalty.V1;

namespace PosAgent.Agent.Internal.Receipts;

/// <summary>Where receipts go: the lane printer, or a folder of text files when there is none.</summary>
internal interface IReceiptPrinter
{
    string Name { get; }

    /// <summary>Characters per line.</summary>
    int Width { get; }

    /// <summary>
    /// Prints, or queues durably. True when the job is already complete; false when the printer
    /// will report completion later (the device wiring then publishes the event).
    /// </summary>
    Task<bool> PrintAsync(string jobId, string operationId, ReceiptLayout layout, bool copy, CancellationToken cancellationToken);
}

/// <summary>Receipts as text files, one per job (no printer configured; also what the demo shows).</summary>
internal sealed class FileReceiptPrinter : IReceiptPrinter
{
    private readonly string _folder;

    public FileReceiptPrinter(string folder, int width)
    {
        _folder = folder;
        Width = width;
        Directory.CreateDirectory(folder);
    }

    public string Name => "file:" + _folder;

    public int Width { get; }

    public async Task<bool> PrintAsync(string jobId, string operationId, ReceiptLayout layout, bool copy, CancellationToken cancellationToken)
    {
        await File.WriteAllTextAsync(Path.Combine(_folder, jobId + ".txt"), layout.ToText(Width), cancellationToken).ConfigureAwait(false);
        return true;
    }
}

/// <summary>Prints and reprints receipts of committed sales and refunds.</summary>
internal sealed class ReceiptService
{
    private readonly AgentStore _store;
    private readonly CardDirectory _cards;
    private readonly IEstimator _estimator;
    private readonly IReceiptPrinter _printer;
    private readonly EventHub _events;
    private readonly ReceiptClock _clock;
    private readonly DeviceOptions _options;

    public ReceiptService(AgentStore store, CardDirectory cards, IEstimator estimator, IReceiptPrinter printer, EventHub events, TimeProvider time, DeviceOptions options)
    {
        _store = store;
        _cards = cards;
        _estimator = estimator;
        _printer = printer;
        _events = events;
        _clock = ReceiptClock.For(time, options.StoreTimeZone);
        _options = options;
    }

    public async Task<PrintReceiptResponse> PrintAsync(PrintReceiptRequest request, CancellationToken cancellationToken)
    {
        var operationId = request.OperationId;
        if (string.IsNullOrEmpty(operationId))
        {
            if (string.IsNullOrEmpty(request.CheckId))
            {
                throw ApiError.Invalid("operation_id or check_id: give the sale or refund to print");
            }

            operationId = _store.FindSale(request.CheckId, null)?.OperationId
                ?? throw ApiError.Invalid($"check_id: no committed check '{request.CheckId}' on this terminal");
        }

        var operation = _store.FindOperation(operationId)
            ?? throw ApiError.Invalid($"operation_id: no sale or refund '{operationId}' on this terminal (receipts are kept for the retention period)");
        var transaction = Loyalty.TerminalTransaction.Parser.ParseFrom(operation.Payload);
        var printedKey = "printed:" + operationId;
        var copy = _store.GetMeta(printedKey) is not null;
        if (copy && !request.Reprint)
        {
            throw ApiError.Precondition($"the receipt of {operationId} was already printed; set reprint to print a copy");
        }

        var layout = Compose(operation, transaction, copy);
        var jobId = Guid.CreateVersion7().ToString();
        var done = await _printer.PrintAsync(jobId, operationId, layout, copy, cancellationToken).ConfigureAwait(false);
        _store.SetMeta(printedKey, jobId);
        if (done)
        {
            _events.Publish(new AgentEvent { PrintJobCompleted = new PrintJobCompletedEvent { JobId = jobId, OperationId = operationId, Copy = copy, Printer = _printer.Name } });
        }
        return new PrintReceiptResponse { JobId = jobId, Text = layout.ToText(_printer.Width) };
    }

    private ReceiptLayout Compose(PendingOperation operation, Loyalty.TerminalTransaction transaction, bool copy)
    {
        var now = _clock.Now();
        var result = operation.State == OutboxState.Synced && operation.Result is { Length: > 0 } bytes ? Loyalty.TransactionResult.Parser.ParseFrom(bytes) : null;
        var pending = result is null;
        ReceiptLoyalty? loyalty = null;
        if (operation.CardNumber is { Length: > 0 } card)
        {
            var snapshot = _cards.Find(card);
            var earned = result?.PointsEarned ?? operation.EstimatedEarned;
            var spent = result?.PointsSpent ?? operation.EstimatedSpent;
            var left = result?.Balance?.Balance ?? (snapshot?.Balance?.Balance ?? 0) - spent + earned;
            loyalty = new ReceiptLoyalty(Masking.Card(card), result?.Balance?.Tier ?? snapshot?.Balance?.Tier ?? string.Empty, earned, spent, left, pending);
        }

        if (operation.Kind == "refund")
        {
            var refundOf = _store.FindSale(null, transaction.Refund.OriginalTransactionId);
            var check = refundOf?.Check ?? new Check { CheckId = transaction.Refund.OriginalTransactionId };
            if (loyalty is not null)
            {
                loyalty = loyalty with { Earned = result?.PointsTakenBack ?? -operation.EstimatedEarned, Spent = -(result?.PointsReturned ?? -operation.EstimatedSpent) };
            }

            var refunded = transaction.Refund.Lines.Count == 0
                ? check.TotalMinor
                : transaction.Refund.Lines.Sum(l => check.Lines.FirstOrDefault(c => c.LineId == l.LineId) is { } line ? line.TotalMinor * l.Quantity / line.Quantity : 0);
            return ReceiptComposer.Refund(Language(check.Currency), Store, MinorPerUnit(check), check, refunded, loyalty, copy, now);
        }

        var sale = _store.FindSale(null, operation.OperationId)?.Check ?? new Check { CheckId = operation.OperationId };
        var minorPerPoint = MinorPerUnit(sale);
        var payment = new PaymentSplit();
        foreach (var part in transaction.Sale?.Payments ?? [])
        {
            switch (part.Kind)
            {
                case Loyalty.PaymentKind.Cash: payment.CashMinor += part.AmountMinor; break;
                case Loyalty.PaymentKind.BankCard: payment.BankCardMinor += part.AmountMinor; break;
                case Loyalty.PaymentKind.Points: payment.Points += part.AmountMinor / minorPerPoint; break;
                case Loyalty.PaymentKind.LegalEntity: payment.LegalEntityMinor += part.AmountMinor; break;
                case Loyalty.PaymentKind.Insurance: payment.InsuranceMinor += part.AmountMinor; break;
            }
        }

        return ReceiptComposer.Sale(Language(sale.Currency), Store, minorPerPoint, sale, payment, loyalty, copy, now);
    }

    private StoreHeader Store => new(_options.ReceiptHeader, _options.StoreAddress, _options.StoreTaxId);

    /// <summary>The configured language, else the one of the check's currency (its program's country).</summary>
    private ReceiptLanguage Language(string currency) => ReceiptLanguage.Get(_options.ReceiptLanguage ?? ReceiptLanguage.DefaultFor(currency));

    /// <summary>Minor units per currency unit (1 point = 1 unit): the card's program, else any program in the check's currency.</summary>
    private long MinorPerUnit(Check check) =>
        (_estimator.Programs.FirstOrDefault(p => p.ProgramId == check.Card?.ProgramId)
            ?? _estimator.Programs.FirstOrDefault(p => string.Equals(p.Currency, check.Currency, StringComparison.OrdinalIgnoreCase)))?.MinorPerPoint ?? 100;
}
