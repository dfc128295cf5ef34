using Google.Protobuf;
using Microsoft.Extensions.Logging;
using PosAgent.Central.Internal.Security;
using PosAgent.Central.Internal.Telemetry;
using PosAgent.Central.Storage;
using PosAgent.Contracts.Loyalty.V1;
using PosAgent.Rules;
using Payment = PosAgent.Contracts.Loyalty.V1.Payment;
using RefundLine = PosAgent.Rules.RefundLine;

namespace PosAgent.Central.Internal.Service;

/// <summary>A call the caller may not make (PERMISSION_DENIED).</summary>
internal sealed class PermissionDeniedException(string message) : Exception(message);

/// <summary>
/// Ingestion of terminal transactions: exactly once per transaction id, in business-time order
/// per account, each batch in one store transaction that row-locks the accounts it touches.
/// </summary>
internal sealed partial class LedgerService(ILoyaltyStore store, ProgramCatalog programs, RequestValidator validator, TimeProvider time, ILogger logger, CentralMetrics? metrics = null)
{
    private readonly CentralMetrics? _metrics = metrics;
    private readonly StateCache _states = new();

    private async Task<SubmitTransactionsResponse> SubmitCoreAsync(Caller caller, SubmitTransactionsRequest request, CancellationToken cancellationToken)
    {
        validator.Submit(request);
        for (var i = 0; i < request.Transactions.Count; i++)
        {
            var terminal = request.Transactions[i].TerminalId;
            if (terminal.Length > 0 && terminal != caller.TerminalId)
            {
                throw new PermissionDeniedException($"transactions[{i}].terminal_id: '{terminal}' is not the authenticated terminal '{caller.TerminalId}'");
            }
        }

        // The active programs are read before the transaction so a slow reload never holds row locks.
        var active = await programs.ActiveAsync(cancellationToken).ConfigureAwait(false);
        var batch = new IngestionBatch(caller, request.Transactions, active, time.GetUtcNow());

        // The batch is worked out from a snapshot, outside the write transaction, so the rules
        // engine's share runs beside other batches' writes instead of queueing behind them. The
        // write then locks the accounts and works out again only those that changed since the
        // snapshot. Anything else that moved (a transaction applied meanwhile hits the ledger's
        // unique id) rolls the write back, and the next attempt works the whole batch out inside
        // the transaction.
        await store.ReadAsync(
            async (s, ct) =>
            {
                await PrepareAsync(s, batch, lockAccounts: false, ct).ConfigureAwait(false);
                return batch;
            },
            cancellationToken).ConfigureAwait(false);
        var fromSnapshot = true;
        var writeStarted = time.GetTimestamp();
        var results = await store.WriteAsync(
            async (s, ct) =>
            {
                if (fromSnapshot)
                {
                    fromSnapshot = false;
                    await RefreshChangedAccountsAsync(s, batch, ct).ConfigureAwait(false);
                }
                else
                {
                    await PrepareAsync(s, batch, lockAccounts: true, ct).ConfigureAwait(false);
                }

                await s.UpdateAccountsAsync(batch.Updates(), ct).ConfigureAwait(false);
                await s.ArchiveOrdersAsync(batch.ArchiveRows(), ct).ConfigureAwait(false);
                await s.InsertEntriesAsync(batch.Entries(), ct).ConfigureAwait(false);
                await s.DeleteHoldsAsync(batch.QuotedAuthorizations(), ct).ConfigureAwait(false);
                return batch.Results();
            },
            cancellationToken).ConfigureAwait(false);
        _metrics?.StoreWrite("ingest", time.GetElapsedTime(writeStarted));

        var response = new SubmitTransactionsResponse();
        response.Results.AddRange(results);
        CentralLog.BatchApplied(
            logger,
            caller.TerminalId,
            results.Count(r => r.Outcome == TransactionOutcome.Applied),
            results.Count(r => r.Outcome == TransactionOutcome.Duplicate),
            results.Count(r => r.Outcome == TransactionOutcome.Rejected));
        return response;
    }

    /// <summary>
    /// A terminal acts for its own store (or its store's chain, when its credential says so): it
    /// may see the result of, or refund, operations of the stores in its scope, never another's
    /// (transaction ids are printed on receipts). Anything outside reads as if it did not exist.
    /// </summary>
    private static bool InScope(Caller caller, LedgerEntry entry, IReadOnlyDictionary<string, string> chainOf) =>
        caller.MayActFor(entry.StoreId, chainOf);

    /// <summary>The chains of the other stores these entries were made in; read only for a chain-scoped terminal.</summary>
    private static async Task<IReadOnlyDictionary<string, string>> ChainsOfAsync(IStoreSession s, Caller caller, IEnumerable<LedgerEntry> entries, CancellationToken ct)
    {
        if (caller.ActingChain is null)
        {
            return Empty;
        }

        var stores = entries.Select(e => e.StoreId).Where(id => !string.Equals(id, caller.StoreId, StringComparison.Ordinal)).Distinct(StringComparer.Ordinal).ToList();
        return stores.Count == 0 ? Empty : await s.GetStoreChainsAsync(stores, ct).ConfigureAwait(false);
    }

    private static readonly IReadOnlyDictionary<string, string> Empty = new Dictionary<string, string>();

    /// <summary>Duplicates, cards, refunds' originals and accounts read, then every account's transactions applied in business-time order.</summary>
    private async Task PrepareAsync(IStoreSession s, IngestionBatch batch, bool lockAccounts, CancellationToken ct)
    {
        batch.Reset();
        var txs = batch.Transactions;
        var now = batch.Now;
        var existing = await s.GetEntriesAsync(txs.Select(t => t.TransactionId).ToList(), ct).ConfigureAwait(false);
        var existingChains = await ChainsOfAsync(s, batch.Caller, existing.Values, ct).ConfigureAwait(false);
        var firstIndex = batch.FirstIndex;
        var pending = batch.Pending;
        for (var i = 0; i < txs.Count; i++)
        {
            var id = txs[i].TransactionId;
            if (existing.TryGetValue(id, out var entry) && !InScope(batch.Caller, entry, existingChains))
            {
                // An operation of a store outside the caller's scope: its result (account, balance) is not this terminal's to see.
                batch.Answers[i] = ProtoMapping.Rejected(id, txs[i].BusinessTime.ToDateTimeOffset(), now, null, "transaction_id_taken", "This transaction id is already used; a new operation needs a new id.");
            }
            else if (entry is not null)
            {
                batch.Answers[i] = IngestionBatch.Duplicate(TransactionResult.Parser.ParseFrom(entry.Result));
            }
            else if (!firstIndex.ContainsKey(id))
            {
                firstIndex[id] = i;
                pending.Add(i);
            }
        }

        // Which account each transaction belongs to.
        var cards = await s.GetCardsAsync(pending.Select(i => txs[i].CardNumber).Where(c => c.Length > 0).ToList(), ct).ConfigureAwait(false);
        var originalIds = pending.Where(i => txs[i].BodyCase == TerminalTransaction.BodyOneofCase.Refund)
            .Select(i => txs[i].Refund.OriginalTransactionId)
            .Where(id => !firstIndex.ContainsKey(id))
            .ToList();
        var originals = await s.GetEntriesAsync(originalIds, ct).ConfigureAwait(false);
        var originalChains = await ChainsOfAsync(s, batch.Caller, originals.Values, ct).ConfigureAwait(false);
        var accountOf = new Dictionary<int, string>();
        foreach (var i in pending)
        {
            var tx = txs[i];
            var at = tx.BusinessTime.ToDateTimeOffset();
            if (tx.BodyCase == TerminalTransaction.BodyOneofCase.Refund)
            {
                var originalId = tx.Refund.OriginalTransactionId;
                string? accountId = null;
                TerminalTransaction? original = null;
                if (firstIndex.TryGetValue(originalId, out var j) && j != i && txs[j].BodyCase == TerminalTransaction.BodyOneofCase.Sale)
                {
                    original = txs[j];
                    accountId = cards.TryGetValue(original.CardNumber, out var c) ? c.AccountId : null;
                }
                else if (originals.TryGetValue(originalId, out var o) && o.Kind == "sale" && o.Outcome == (int)TransactionOutcome.Applied && InScope(batch.Caller, o, originalChains))
                {
                    original = TerminalTransaction.Parser.ParseFrom(o.Request);
                    accountId = o.AccountId;
                }

                if (original is null || accountId is null)
                {
                    batch.Answers[i] = ProtoMapping.Rejected(tx.TransactionId, at, now, null, "original_not_found", $"Sale {originalId} was not applied here; a refund needs the original sale's transaction id.");
                    continue;
                }

                if (tx.CardNumber.Length > 0 && (!cards.TryGetValue(tx.CardNumber, out var given) || given.AccountId != accountId))
                {
                    batch.Answers[i] = ProtoMapping.Rejected(tx.TransactionId, at, now, accountId, "card_mismatch", "The card given is not the card of the original sale's account.");
                    continue;
                }

                accountOf[i] = accountId;
                batch.SaleOf[i] = original;
                continue;
            }

            if (!cards.TryGetValue(tx.CardNumber, out var card))
            {
                batch.Answers[i] = ProtoMapping.Rejected(tx.TransactionId, at, now, null, "card_not_found", $"Card {CardNumberFormat.Mask(tx.CardNumber)} is not registered.");
                continue;
            }

            var refusal = card.Status switch
            {
                CardStatus.Blocked => ("card_blocked", $"Card {CardNumberFormat.Mask(card.CardNumber)} is blocked."),
                CardStatus.Annulled => ("card_annulled", $"Card {CardNumberFormat.Mask(card.CardNumber)} is annulled."),
                CardStatus.Replaced => ("card_replaced", $"Card {CardNumberFormat.Mask(card.CardNumber)} was replaced by card {CardNumberFormat.Mask(card.ReplacedBy)}."),
                CardStatus.Expired => ("card_expired", $"Card {CardNumberFormat.Mask(card.CardNumber)} has passed its end date."),
                _ => ((string, string)?)null,
            };
            if (refusal is { } r)
            {
                batch.Answers[i] = ProtoMapping.Rejected(tx.TransactionId, at, now, card.AccountId, r.Item1, r.Item2);
                continue;
            }

            accountOf[i] = card.AccountId;
        }

        foreach (var group in accountOf.GroupBy(kv => kv.Value, kv => kv.Key, StringComparer.Ordinal))
        {
            batch.Groups[group.Key] = group.OrderBy(i => txs[i].BusinessTime.ToDateTimeOffset()).ThenBy(i => i).ToList();
        }

        var accounts = await s.GetAccountsAsync(batch.Groups.Keys, forUpdate: lockAccounts, ct).ConfigureAwait(false);
        await ReadArchivedOriginalsAsync(s, batch, ct).ConfigureAwait(false);
        foreach (var account in accounts.Values)
        {
            ApplyToAccount(batch, account);
        }
    }

    /// <summary>Refunded sales folded out of their account's state (#17) come back from the order archive.</summary>
    private static async Task ReadArchivedOriginalsAsync(IStoreSession s, IngestionBatch batch, CancellationToken ct)
    {
        if (batch.SaleOf.Count == 0)
        {
            return;
        }

        var archived = await s.GetArchivedOrdersAsync(batch.SaleOf.Values.Select(o => o.TransactionId).ToList(), ct).ConfigureAwait(false);
        foreach (var (id, row) in archived)
        {
            batch.ArchivedOriginals[id] = AccountStateJson.DeserializeOrder(row.OrderJson);
        }
    }

    /// <summary>Locks the batch's accounts and works out again those written since the snapshot the batch was prepared from.</summary>
    private async Task RefreshChangedAccountsAsync(IStoreSession s, IngestionBatch batch, CancellationToken ct)
    {
        var versions = await s.GetAccountVersionsAsync(batch.Groups.Keys, forUpdate: true, ct).ConfigureAwait(false);
        var changed = batch.Groups.Keys.Where(id => versions[id] != batch.VersionRead[id]).ToList();
        if (changed.Count == 0)
        {
            return;
        }

        var accounts = await s.GetAccountsAsync(changed, forUpdate: true, ct).ConfigureAwait(false);
        // Another writer may have folded a refund's original since the snapshot.
        await ReadArchivedOriginalsAsync(s, batch, ct).ConfigureAwait(false);
        foreach (var account in accounts.Values)
        {
            ApplyToAccount(batch, account);
        }
    }

    /// <summary>One account's transactions of the batch, in business-time order, on the account as read.</summary>
    private void ApplyToAccount(IngestionBatch batch, AccountRecord account)
    {
        var txs = batch.Transactions;
        var now = batch.Now;
        var ordered = batch.Groups[account.AccountId];
        batch.VersionRead[account.AccountId] = account.Version;
        batch.Updated.Remove(account.AccountId);
        if (!batch.Active.TryGetValue(account.ProgramId, out var program))
        {
            foreach (var i in ordered)
            {
                batch.Answers[i] = ProtoMapping.Rejected(txs[i].TransactionId, txs[i].BusinessTime.ToDateTimeOffset(), now, account.AccountId, "program_not_active", $"Program {account.ProgramId} has no active version.");
            }

            return;
        }

        var engine = programs.Engine(program);
        var state = _states.Get(account.AccountId, account.StateJson);
        var changed = false;
        foreach (var i in ordered)
        {
            var tx = txs[i];
            var at = tx.BusinessTime.ToDateTimeOffset();
            try
            {
                var original = batch.SaleOf.GetValueOrDefault(i);
                if (original is not null && batch.ArchivedOriginals.TryGetValue(original.TransactionId, out var archived))
                {
                    // A refund of a sale folded out of the state: the order comes back for it (folded again below).
                    state = engine.RestoreOrder(state, archived);
                }

                var op = Apply(engine, state, tx, at, original);
                state = op.State;
                changed = true;
                batch.Answers[i] = ProtoMapping.Result(tx.TransactionId, at, now, account.AccountId, op);
            }
            catch (Exception ex) when (ex is LoyaltyRuleException or ArgumentException)
            {
                var code = ex is LoyaltyRuleException rule ? ProtoMapping.Code(rule.Code) : "invalid_transaction";
                batch.Answers[i] = ProtoMapping.Rejected(tx.TransactionId, at, now, account.AccountId, code, ex.Message, (ex as LoyaltyRuleException)?.RuleId);
                CentralLog.TransactionRejected(logger, tx.TransactionId, CardNumberFormat.Mask(tx.CardNumber), code);
            }
        }

        batch.Folded.Remove(account.AccountId);
        if (changed)
        {
            // Orders past the detail horizon leave the state for the archive (#17): the state, and
            // the time to apply the next sale, stay bounded however many orders the card has.
            var fold = engine.FoldHistory(state, now);
            state = fold.State;
            if (fold.Folded.Count > 0)
            {
                batch.Folded[account.AccountId] = fold.Folded;
            }

            var summary = engine.Summarize(state, now);
            batch.Updated[account.AccountId] = account with
            {
                StateJson = _states.Serialize(account.AccountId, state),
                Version = account.Version + 1,
                Figures = ProtoMapping.Figures(summary),
                UpdatedAt = now,
            };
        }
    }

    private static OperationResult Apply(LoyaltyEngine engine, AccountState state, TerminalTransaction tx, DateTimeOffset at, TerminalTransaction? original)
    {
        var minorPerPoint = engine.Program.MinorUnitsPerUnit;
        switch (tx.BodyCase)
        {
            case TerminalTransaction.BodyOneofCase.Sale:
                var sale = tx.Sale;
                return ApplySale(engine, state, ProtoMapping.Sale(
                    tx.TransactionId, at, sale.Lines, sale.Payments, minorPerPoint, sale.PromoCode, sale.DiscountCardUsed, sale.GoodsReceivedTime?.ToDateTimeOffset()));
            case TerminalTransaction.BodyOneofCase.Redemption:
                var redemption = tx.Redemption;
                var total = RequestValidator.LinesTotal(redemption.Lines);
                var pointsMinor = redemption.Points * minorPerPoint;
                if (pointsMinor > total)
                {
                    throw new LoyaltyRuleException(LoyaltyErrorCode.PaymentMismatch, $"{redemption.Points} points are worth more than the basket ({total} minor units).");
                }

                var payments = new List<Payment> { new() { Kind = PaymentKind.Points, AmountMinor = pointsMinor } };
                if (total > pointsMinor)
                {
                    payments.Add(new Payment { Kind = PaymentKind.BankCard, AmountMinor = total - pointsMinor });
                }

                return ApplySale(engine, state, ProtoMapping.Sale(tx.TransactionId, at, redemption.Lines, payments, minorPerPoint, string.Empty, false, null));
            case TerminalTransaction.BodyOneofCase.RewardExchange:
                var exchange = tx.RewardExchange;
                var count = Math.Max(1, exchange.Quantity);
                OperationResult? last = null;
                long spent = 0;
                for (var k = 0; k < count; k++)
                {
                    last = engine.RedeemReward(last?.State ?? state, new RewardRequest
                    {
                        TransactionId = count == 1 ? tx.TransactionId : $"{tx.TransactionId}#{k}",
                        ItemId = exchange.RewardId,
                        At = at,
                        Region = exchange.Region.Length > 0 ? exchange.Region : null,
                    });
                    spent += last.PointsSpent;
                }

                return last! with { PointsSpent = spent };
            case TerminalTransaction.BodyOneofCase.Refund:
                return engine.Refund(state, RefundFor(state, tx, at, original!));
            default:
                throw new ArgumentException("The transaction has no body.");
        }
    }

    /// <summary>
    /// A sale paying with points is checked against the most it may spend first, so the refusal
    /// names the limit (usable balance, bill share, ...) rather than the resulting payment mismatch.
    /// </summary>
    private static OperationResult ApplySale(LoyaltyEngine engine, AccountState state, SaleRequest sale)
    {
        if (sale.PointsToSpend > 0)
        {
            // Without the split: the quote must not trip over the payments that assume the points.
            var quote = engine.Quote(state, sale with { Payments = [] });
            if (sale.PointsToSpend > quote.MaxPointsToSpend)
            {
                var code = quote.BindingLimit == BurnLimitKind.UsableBalance ? LoyaltyErrorCode.InsufficientPoints : LoyaltyErrorCode.BurnLimitExceeded;
                throw new LoyaltyRuleException(code, $"{sale.PointsToSpend} points asked, at most {quote.MaxPointsToSpend} may be spent on this sale ({quote.BindingLimit}).", quote.BindingRuleId);
            }
        }

        return engine.ApplySale(state, sale);
    }

    /// <summary>Refund lines by line id and quantity become the engine's lines by index and amount (pro rata, rounded down).</summary>
    private static RefundRequest RefundFor(AccountState state, TerminalTransaction tx, DateTimeOffset at, TerminalTransaction original)
    {
        var lines = original.Sale.Lines;
        var order = state.Orders.FirstOrDefault(o => o.TransactionId == original.TransactionId);
        var refundLines = new List<RefundLine>();
        foreach (var line in tx.Refund.Lines)
        {
            var index = -1;
            for (var k = 0; k < lines.Count; k++)
            {
                if (lines[k].LineId == line.LineId)
                {
                    index = k;
                    break;
                }
            }

            if (index < 0)
            {
                throw new LoyaltyRuleException(LoyaltyErrorCode.InvalidRequest, $"Line '{line.LineId}' is not a line of sale {original.TransactionId}.");
            }

            var sold = lines[index];
            if (line.Quantity > sold.Quantity)
            {
                throw new LoyaltyRuleException(LoyaltyErrorCode.RefundExceedsSale, $"Line '{line.LineId}' sold {sold.Quantity}, {line.Quantity} returned.");
            }

            var money = (sold.UnitPriceMinor * sold.Quantity) - sold.DiscountMinor;
            var left = order is not null && index < order.Lines.Count ? order.Lines[index].AmountMinor - order.Lines[index].RefundedMinor : money;
            if (left <= 0)
            {
                throw new LoyaltyRuleException(LoyaltyErrorCode.RefundExceedsSale, $"Line '{line.LineId}' of sale {original.TransactionId} was already refunded.");
            }

            var amount = line.Quantity == sold.Quantity ? money : money * line.Quantity / sold.Quantity;
            // The last units of a line take what rounding left behind (less than one unit's share).
            if (amount >= left || (left - amount) * sold.Quantity < money)
            {
                amount = left;
            }

            refundLines.Add(new RefundLine(index, amount));
        }

        return new RefundRequest { TransactionId = tx.TransactionId, OriginalTransactionId = original.TransactionId, At = at, Lines = refundLines };
    }
}
