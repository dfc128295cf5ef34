using PosAgent.Rules.Internal;

namespace PosAgent.Rules;

/// <summary>
/// Runs one loyalty program. Pure: no I/O, no clock of its own (times come with each request, or
/// from the injected <see cref="TimeProvider"/> in the overloads without one). Every operation takes
/// an <see cref="AccountState"/> and returns a new one inside an <see cref="OperationResult"/>;
/// a refused operation throws <see cref="LoyaltyRuleException"/> and changes nothing.
/// Thread-safe: the engine holds only the immutable program.
/// </summary>
public sealed class LoyaltyEngine
{
    private readonly CompiledProgram _p;
    private readonly LoyaltyEngineOptions _options;
    private readonly TimeProvider _time;
    private readonly SaleEvaluator _evaluator;

    public LoyaltyEngine(LoyaltyProgram program, LoyaltyEngineOptions? options = null, TimeProvider? timeProvider = null)
    {
        ArgumentNullException.ThrowIfNull(program);
        _options = options ?? new LoyaltyEngineOptions();
        _options.Validate();
        _time = timeProvider ?? TimeProvider.System;
        Program = program;
        _p = program.Compiled;
        _evaluator = new SaleEvaluator(_p, _options);
    }

    public LoyaltyProgram Program { get; }

    // ---------------------------------------------------------------- accounts

    /// <summary>Opens an account (issues the card) and grants the events triggered by enrolment (welcome, card issue).</summary>
    public OperationResult Enroll(EnrollRequest request)
    {
        ArgumentNullException.ThrowIfNull(request);
        Require(!string.IsNullOrWhiteSpace(request.AccountId), LoyaltyErrorCode.InvalidRequest, "The account id is empty.");
        var cardProblem = _p.Card.Validate(request.CardNumber);
        Require(cardProblem is null, LoyaltyErrorCode.InvalidCardNumber, $"Card {CardNumberFormat.Mask(request.CardNumber)} is not a {_p.Id} card: {cardProblem}.");
        var m = _p.Definition.Membership;
        Require(!m.RequiresRegistrationForm || request.RegistrationFormComplete, LoyaltyErrorCode.RegistrationIncomplete, "The registration form must be complete before a card is issued.", m.Rule);
        Require(!m.RequiresPhoneConfirmation || request.PhoneConfirmed, LoyaltyErrorCode.RegistrationIncomplete, "The phone number must be confirmed to join.", m.Rule);
        Require(request.QualifyingPaymentMinor >= 0 && request.QualifyingPaymentMinor <= _options.MaxAmountMinor, LoyaltyErrorCode.InvalidAmount, "The qualifying payment is invalid.");
        Require(request.QualifyingPaymentMinor >= m.MinQualifyingSpendMinor, LoyaltyErrorCode.NotEligibleForMembership, $"Membership needs services of at least {m.MinQualifyingSpendMinor} minor units first.", m.Rule);
        Require(m.Enrolment != "firstOrder" || request.QualifyingPaymentMinor > 0, LoyaltyErrorCode.NotEligibleForMembership, "Enrolment happens with the first paid order.", m.Rule);

        var tx = request.TransactionId ?? "enroll:" + request.AccountId;
        var state = new AccountState
        {
            AccountId = request.AccountId,
            ProgramId = _p.Id,
            ProgramVersion = _p.Version,
            CardNumber = request.CardNumber,
            JoinedAt = request.At,
            BirthDate = request.BirthDate,
            TierId = _p.Tiers[0].Id,
            TierSince = request.At,
            TierValidUntil = _p.Tiers[0].Validity.After(request.At, _p.Offset) is { } v && !_p.Tiers[0].Validity.IsNever ? v : null,
            CardValidUntil = _p.CardValidity.IsNever ? null : _p.CardValidity.After(request.At, _p.Offset),
            LastOperationAt = request.At,
        };
        var ledger = new Ledger(state);
        ledger.AddTransaction(tx);
        ledger.Cite(m.Rule);
        var fee = CardFee(request.QualifyingPaymentMinor, ledger);
        var index = 0;
        foreach (var e in _p.EventList)
        {
            if (e.Trigger == EventTrigger.Enroll && EventEligible(ledger, e, request.At))
            {
                CreditEvent(ledger, e, e.Points!.Value, tx, index++, request.At);
            }
        }

        return Result("enroll", tx, ledger, request.At, state.TierId) with { FeeMinor = fee };
    }

    /// <summary>Balance, usable and pending points and the tier, derived from the lots (CSM-R10 balance inquiry).</summary>
    public AccountSummary Summarize(AccountState state, DateTimeOffset at)
    {
        ArgumentNullException.ThrowIfNull(state);
        var (balance, usable) = LotMath.Totals(state.Lots, at);
        return new AccountSummary
        {
            AccountId = state.AccountId,
            ProgramId = state.ProgramId,
            ProgramVersion = _p.Version,
            MaskedCard = CardNumberFormat.Mask(state.CardNumber),
            At = at,
            Balance = balance,
            Usable = Math.Max(usable, 0),
            Pending = balance - usable,
            AwaitingBatch = AwaitingBatch(state),
            TierId = state.PendingTierId is not null && state.PendingTierFrom <= at ? state.PendingTierId : state.TierId,
            Status = state.Status,
            Mode = state.Mode,
        };
    }

    public AccountSummary Summarize(AccountState state) => Summarize(state, _time.GetUtcNow());

    /// <summary>
    /// The account as a till needs it to estimate a sale (the card snapshot's state): balance,
    /// usable and pending points, spend order, tier, mode and the orders the per-day limits count,
    /// bounded in size whatever the history (#17). Not for applying operations: the ledger keeps the whole state.
    /// </summary>
    public AccountState TillState(AccountState state, DateTimeOffset at)
    {
        ArgumentNullException.ThrowIfNull(state);
        return TillView.Build(state, _p.Offset, at);
    }

    /// <summary>The limit counters a till shows and checks at <paramref name="at"/> (program time for days and months).</summary>
    public LimitCounters Counters(AccountState state, DateTimeOffset at)
    {
        ArgumentNullException.ThrowIfNull(state);
        var local = at.ToOffset(_p.Offset);
        var dayStart = new DateTimeOffset(local.Year, local.Month, local.Day, 0, 0, 0, _p.Offset);
        var dayEnd = dayStart.AddDays(1);
        var ordersToday = 0;
        for (var i = state.Orders.Count - 1; i >= 0 && state.Orders[i].At >= dayStart - _options.MaxBackdating; i--)
        {
            ordersToday += state.Orders[i].At >= dayStart && state.Orders[i].At < dayEnd ? 1 : 0;
        }

        var month = SaleEvaluator.MonthKey(at, _p.Offset);
        return new LimitCounters
        {
            OrdersToday = ordersToday,
            RedeemingOrdersToday = _evaluator.RedeemingOrdersToday(state, at),
            MaxRedeemingOrdersPerDay = _p.MaxRedeemingOrdersPerDay,
            RewardOrdersThisMonth = state.Rewards.Count(r => SaleEvaluator.MonthKey(r.At, _p.Offset) == month),
            MaxRewardOrdersPerMonth = _p.Definition.Catalog?.MaxOrdersPerMonth,
        };
    }

    // ---------------------------------------------------------------- history

    /// <summary>
    /// Folds orders older than the detail horizon (<see cref="LoyaltyEngineOptions.OrderDetailHorizon"/>)
    /// out of the state into <see cref="AccountState.History"/>, so the state (and the time to apply
    /// an operation to it) stays bounded however many orders the card has (#17). Also drops the
    /// folded sales' transaction ids and spent-out lots no rule looks at any more. The folded orders
    /// are returned for the caller to archive: a refund of one of them brings it back with
    /// <see cref="RestoreOrder"/>. Call after applying an operation, before storing the state.
    /// </summary>
    public FoldResult FoldHistory(AccountState state, DateTimeOffset at)
    {
        ArgumentNullException.ThrowIfNull(state);
        var horizon = _options.OrderDetailHorizon > _options.MaxBackdating + TimeSpan.FromDays(1) ? _options.OrderDetailHorizon : _options.MaxBackdating + TimeSpan.FromDays(1);
        var cut = at - horizon;
        if (state.Orders.Count == 0 || state.Orders[0].At >= cut)
        {
            return new FoldResult(state, []);
        }

        var kept = new List<OrderRecord>(state.Orders.Count);
        var folded = new List<OrderRecord>();
        foreach (var o in state.Orders)
        {
            (o.At < cut && o.PendingAccruals.Count == 0 ? folded : kept).Add(o);
        }

        if (folded.Count == 0)
        {
            return new FoldResult(state, []);
        }

        var history = state.History ?? new OrderHistory();
        var days = _p.TierBasis == TierBasis.Rolling365 ? new SortedDictionary<DateOnly, OrderDay>() : null;
        if (days is not null)
        {
            foreach (var d in history.Days)
            {
                days[d.Day] = d;
            }
        }

        foreach (var o in folded)
        {
            history = AddToHistory(history, days, o, +1);
        }

        if (days is not null)
        {
            // Days a rolling 365-day window can no longer reach are in the totals already.
            var oldest = DateOnly.FromDateTime(at.ToOffset(_p.Offset).Date).AddDays(-366);
            history = history with { Days = [.. days.Values.Where(d => d.Day >= oldest)] };
        }

        var foldedIds = folded.Select(o => o.TransactionId).ToHashSet(StringComparer.Ordinal);
        return new FoldResult(
            state with
            {
                Orders = kept,
                History = history,
                TransactionIds = [.. state.TransactionIds.Where(id => !foldedIds.Contains(id))],
                Lots = DropSpentLots(state.Lots, kept, cut, at),
            },
            folded);
    }

    /// <summary>
    /// Puts an archived order (folded by <see cref="FoldHistory"/>) back into the state, its share
    /// taken out of the history, so it can be refunded like any other; folding again later puts
    /// it back with what is left of it. A single-order maximum it set stays (it only ever rises).
    /// </summary>
    public AccountState RestoreOrder(AccountState state, OrderRecord order)
    {
        ArgumentNullException.ThrowIfNull(state);
        ArgumentNullException.ThrowIfNull(order);
        if (state.Orders.Any(o => o.TransactionId == order.TransactionId))
        {
            return state;
        }

        var history = state.History ?? new OrderHistory();
        SortedDictionary<DateOnly, OrderDay>? days = null;
        if (_p.TierBasis == TierBasis.Rolling365)
        {
            days = new SortedDictionary<DateOnly, OrderDay>();
            foreach (var d in history.Days)
            {
                days[d.Day] = d;
            }
        }

        history = AddToHistory(history, days, order, -1);
        if (days is not null)
        {
            history = history with { Days = [.. days.Values.Where(d => d.PaidOrders > 0 || d.SpendMinor > 0)] };
        }

        var orders = state.Orders.ToList();
        var index = orders.FindLastIndex(o => o.At <= order.At) + 1;
        orders.Insert(index, order);
        return state with { Orders = orders, History = history };
    }

    private OrderHistory AddToHistory(OrderHistory history, SortedDictionary<DateOnly, OrderDay>? days, OrderRecord o, int sign)
    {
        var net = o.TotalMinor - o.RefundedMinor;
        var paid = net > 0 ? 1 : 0;
        var spend = net > 0 ? net : 0;
        if (days is not null && paid > 0)
        {
            var day = DateOnly.FromDateTime(o.At.ToOffset(_p.Offset).Date);
            var d = days.TryGetValue(day, out var existing) ? existing : new OrderDay(day, 0, 0, 0);
            days[day] = d with
            {
                PaidOrders = d.PaidOrders + (sign * paid),
                SpendMinor = d.SpendMinor + (sign * spend),
                MaxSingleMinor = sign > 0 ? Math.Max(d.MaxSingleMinor, spend) : d.MaxSingleMinor,
            };
        }

        return history with
        {
            Orders = history.Orders + sign,
            PaidOrders = history.PaidOrders + (sign * paid),
            SpendMinor = history.SpendMinor + (sign * spend),
            MaxSingleMinor = sign > 0 ? Math.Max(history.MaxSingleMinor, spend) : history.MaxSingleMinor,
            FoldedThrough = sign > 0 && (history.FoldedThrough is null || o.At > history.FoldedThrough) ? o.At : history.FoldedThrough,
        };
    }

    /// <summary>
    /// Lots spent out (nothing left) that no kept order refers to, credited before the horizon and
    /// outside the status-points window: no figure, limit or refund of a kept order reads them.
    /// </summary>
    private List<PointLot> DropSpentLots(IReadOnlyList<PointLot> lots, List<OrderRecord> kept, DateTimeOffset cut, DateTimeOffset at)
    {
        var referenced = new HashSet<string>(StringComparer.Ordinal);
        foreach (var o in kept)
        {
            foreach (var l in o.SpentFrom)
            {
                referenced.Add(l.LotId);
            }

            foreach (var l in o.EarnedLots)
            {
                referenced.Add(l.LotId);
            }
        }

        var statusStart = _p.TierBasis == TierBasis.StatusPoints ? _p.StatusWindow.Before(at, _p.Offset) : DateTimeOffset.MaxValue;
        var result = new List<PointLot>(lots.Count);
        foreach (var l in lots)
        {
            var drop = l.Remaining == 0 && l.CreditedAt < cut && l.CreditedAt <= statusStart && !referenced.Contains(l.Id);
            if (!drop)
            {
                result.Add(l);
            }
        }

        return result;
    }

    // ---------------------------------------------------------------- sales

    /// <summary>What a sale would earn and the most it may spend, without committing anything.</summary>
    public SaleQuote Quote(AccountState state, SaleRequest sale)
    {
        CheckSale(state, sale);
        var c = _evaluator.Evaluate(state, sale, sale.PointsToSpend);
        var earn = c.Items;
        var points = c.PointsEarned;
        var firstOrderEvents = FirstOrderEvents(state, sale, c);
        if (firstOrderEvents.Count > 0)
        {
            var items = new List<EarnItem>(c.Items);
            foreach (var e in firstOrderEvents)
            {
                items.Add(WelcomeItem(e, sale.At));
                points += e.Points!.Value;
            }

            earn = items;
        }

        return new SaleQuote
        {
            ProgramId = _p.Id,
            ProgramVersion = _p.Version,
            TransactionId = sale.TransactionId,
            TotalMinor = c.Total,
            PointsToEarn = points,
            Earn = earn,
            MaxPointsToSpend = c.MaxSpend,
            BindingLimit = c.Binding,
            BindingRuleId = c.BindingRule,
            PointsToSpend = c.Spend,
            MoneyMinor = c.Money,
            DiscountMinor = c.DiscountMinor,
            UsableBefore = Math.Max(c.Usable, 0),
            TierId = _p.Tiers[c.TierIndex].Id,
            Lots = WithEventPreviews(Previews(c, sale), firstOrderEvents, sale),
        };
    }

    /// <summary>
    /// The state as if the promised spends were already applied: their points taken from the lots
    /// they would come from (earliest expiry first, usable at their time) and each counted as a
    /// redeeming order, so a quote on the result leaves room only for what is not promised yet.
    /// For limits only: the result is never stored.
    /// </summary>
    public AccountState WithPromised(AccountState state, IReadOnlyCollection<PromisedSpend> promised)
    {
        ArgumentNullException.ThrowIfNull(state);
        ArgumentNullException.ThrowIfNull(promised);
        if (promised.Count == 0)
        {
            return state;
        }

        var ledger = new Ledger(state);
        foreach (var spend in promised.Where(p => p.Points > 0).OrderBy(p => p.At))
        {
            ledger.Take(spend.Points, spend.At, usableOnly: true, LotChangeKind.Consumed, null, null);
            var order = new OrderRecord
            {
                TransactionId = "promised:" + spend.Id,
                At = spend.At,
                TotalMinor = 0,
                MoneyMinor = 0,
                PointsSpent = spend.Points,
                PointsEarned = 0,
                Lines = [],
            };
            // Orders stay in time order: the daily counter walks them newest first.
            var index = ledger.Orders.FindLastIndex(o => o.At <= spend.At) + 1;
            ledger.Orders.Insert(index, order);
        }

        return state with { Lots = [.. ledger.Lots], Orders = [.. ledger.Orders] };
    }

    /// <summary>Commits a sale: spends points (earliest expiry first), credits earned lots, updates the tier.</summary>
    public OperationResult ApplySale(AccountState state, SaleRequest sale)
    {
        CheckSale(state, sale);
        CheckNew(state, sale.TransactionId);
        var c = _evaluator.Evaluate(state, sale, sale.PointsToSpend);
        if (sale.PointsToSpend > c.MaxSpend)
        {
            throw BurnRefusal(sale.PointsToSpend, c);
        }

        var ledger = new Ledger(state);
        var tierBefore = state.TierId;
        PromoteDueTier(ledger, sale.At);
        ledger.AddTransaction(sale.TransactionId);
        var spentFrom = new List<LotAmount>();
        if (c.Spend > 0)
        {
            var taken = ledger.Take(c.Spend, sale.At, usableOnly: true, LotChangeKind.Consumed, spentFrom, c.BindingRule);
            if (taken != c.Spend)
            {
                throw new LoyaltyRuleException(LoyaltyErrorCode.InsufficientPoints, $"Only {taken} points are usable, {c.Spend} requested.");
            }
        }

        var n = sale.Lines.Count;
        var lineEarned = new long[n];
        var earnedLots = new List<LotAmount>();
        var accruals = new List<AccrualBase>();
        var lotIndex = 0;
        DateTimeOffset? creditAnchor = null;
        if (_p.MonthlyBatch)
        {
            for (var r = 0; r < _p.EarnRules.Length; r++)
            {
                if (c.RuleBase[r] > 0 && (c.RulePoints[r] > 0 || _p.EarnRules[r].Kind == EarnRuleKind.PerUnits))
                {
                    accruals.Add(new AccrualBase(_p.EarnRules[r].Id, c.RuleBase[r], c.RuleBp[r]));
                }
            }
        }
        else
        {
            AttributeEarn(sale, c, lineEarned);
            foreach (LotKind kind in Enum.GetValues<LotKind>())
            {
                long points = 0;
                string? rule = null;
                for (var r = 0; r < _p.EarnRules.Length; r++)
                {
                    if (_p.EarnRules[r].LotKind == kind && c.RulePoints[r] > 0)
                    {
                        points += c.RulePoints[r];
                        rule ??= _p.EarnRules[r].Id;
                    }
                }

                if (points > 0)
                {
                    var credited = _evaluator.CreditTime(kind, sale);
                    creditAnchor ??= credited;
                    var lot = NewLot(sale.TransactionId, lotIndex++, kind, rule, points, credited);
                    ledger.Credit(lot);
                    earnedLots.Add(new LotAmount(lot.Id, points));
                }
            }
        }

        foreach (var item in c.Items)
        {
            ledger.Cite(item.RuleId);
        }

        ledger.Cite(c.Spend > 0 ? c.BindingRule : null);
        var lineRecords = new OrderLineRecord[n];
        for (var i = 0; i < n; i++)
        {
            lineRecords[i] = new OrderLineRecord
            {
                Category = sale.Lines[i].Category,
                AmountMinor = sale.Lines[i].AmountMinor,
                PointsSpent = c.LineSpent[i],
                PointsEarned = lineEarned[i],
            };
        }

        var firstOrderEvents = FirstOrderEvents(state, sale, c);
        ledger.Orders.Add(new OrderRecord
        {
            TransactionId = sale.TransactionId,
            At = sale.At,
            TotalMinor = c.Total,
            MoneyMinor = c.Money,
            PointsSpent = c.Spend,
            PointsEarned = _p.MonthlyBatch ? 0 : c.PointsEarned,
            Lines = lineRecords,
            SpentFrom = spentFrom,
            EarnedLots = earnedLots,
            PendingAccruals = accruals,
        });

        long eventPoints = 0;
        var explanation = new List<EarnItem>(c.Items);
        foreach (var e in firstOrderEvents)
        {
            CreditEvent(ledger, e, e.Points!.Value, sale.TransactionId, lotIndex++, sale.At);
            eventPoints += e.Points!.Value;
            explanation.Add(WelcomeItem(e, sale.At));
        }

        ledger.State = ledger.State with { LastVisitAt = Later(state.LastVisitAt, sale.At), DecayMonthsCharged = 0 };
        if (state.Mode == AccountMode.DiscountCard)
        {
            UpdateDiscountLevel(ledger);
        }

        EvaluateTier(ledger, sale.At, creditAnchor ?? sale.At);
        return Result("sale", sale.TransactionId, ledger, sale.At, tierBefore) with
        {
            PointsEarned = (_p.MonthlyBatch ? 0 : c.PointsEarned) + eventPoints,
            PointsSpent = c.Spend,
            Explanation = explanation,
            MaxPointsToSpend = c.MaxSpend,
            BindingLimit = c.Binding,
            BindingRuleId = c.BindingRule,
            DiscountMinor = c.DiscountMinor,
        };
    }

    /// <summary>
    /// Refunds a sale in full (no lines) or in part: earned points are taken back in proportion to the
    /// refunded money of each line, spent points go back to the lots they came from.
    /// </summary>
    public OperationResult Refund(AccountState state, RefundRequest refund)
    {
        ArgumentNullException.ThrowIfNull(refund);
        CheckAccount(state, refund.At, allowBlocked: true);
        Require(!string.IsNullOrWhiteSpace(refund.TransactionId), LoyaltyErrorCode.InvalidRequest, "The refund's transaction id is empty.");
        CheckNew(state, refund.TransactionId);
        var orderIndex = -1;
        for (var i = state.Orders.Count - 1; i >= 0; i--)
        {
            if (state.Orders[i].TransactionId == refund.OriginalTransactionId)
            {
                orderIndex = i;
                break;
            }
        }

        Require(orderIndex >= 0, LoyaltyErrorCode.OriginalSaleNotFound, $"Sale {refund.OriginalTransactionId} is not on this account.");
        var order = state.Orders[orderIndex];
        Require(refund.At >= order.At, LoyaltyErrorCode.TimeWentBackwards, "A refund cannot be dated before its sale.");
        if (_p.RefundWindow is { } window)
        {
            Require(refund.At <= window.AfterOrMax(order.At, _p.Offset), LoyaltyErrorCode.RefundWindowClosed, "The return period for this sale has ended.", _p.RefundRule);
        }

        var n = order.Lines.Count;
        var amounts = new long[n];
        if (refund.Lines.Count == 0)
        {
            for (var i = 0; i < n; i++)
            {
                amounts[i] = order.Lines[i].AmountMinor - order.Lines[i].RefundedMinor;
            }
        }
        else
        {
            foreach (var l in refund.Lines)
            {
                Require(l is not null && l.LineIndex >= 0 && l.LineIndex < n, LoyaltyErrorCode.InvalidRequest, $"Refund line index {l?.LineIndex} is not a line of sale {order.TransactionId} (0..{n - 1}).");
                Require(l!.AmountMinor > 0, LoyaltyErrorCode.InvalidAmount, $"Refund amount {l.AmountMinor} for line {l.LineIndex} must be positive.");
                amounts[l.LineIndex] += l.AmountMinor;
            }
        }

        long refundTotal = 0;
        for (var i = 0; i < n; i++)
        {
            var line = order.Lines[i];
            Require(amounts[i] <= line.AmountMinor - line.RefundedMinor, LoyaltyErrorCode.RefundExceedsSale, $"Line {i} has only {line.AmountMinor - line.RefundedMinor} left to refund, {amounts[i]} asked.");
            refundTotal += amounts[i];
        }

        Require(refundTotal > 0, LoyaltyErrorCode.InvalidAmount, $"Nothing is left to refund on sale {order.TransactionId}.");

        var ledger = new Ledger(state);
        var tierBefore = state.TierId;
        ledger.AddTransaction(refund.TransactionId);
        ledger.Cite(_p.RefundRule);
        var newLines = new OrderLineRecord[n];
        long takeBack = 0, giveBack = 0;
        for (var i = 0; i < n; i++)
        {
            var line = order.Lines[i];
            var refunded = line.RefundedMinor + amounts[i];
            var earnedTarget = Proportion(line.PointsEarned, refunded, line.AmountMinor);
            var spentTarget = Proportion(line.PointsSpent, refunded, line.AmountMinor);
            takeBack += earnedTarget - line.EarnedTakenBack;
            giveBack += spentTarget - line.SpentReturned;
            newLines[i] = line with { RefundedMinor = refunded, EarnedTakenBack = earnedTarget, SpentReturned = spentTarget };
        }

        var lotIndex = 0;
        TakeBackEarned(ledger, order, takeBack, refund, ref lotIndex);
        ReturnSpent(ledger, order, giveBack, refund, ref lotIndex);
        ledger.Orders[orderIndex] = order with
        {
            Lines = newLines,
            RefundedMinor = order.RefundedMinor + refundTotal,
            PointsTakenBack = order.PointsTakenBack + takeBack,
            PointsReturned = order.PointsReturned + giveBack,
        };
        ledger.Returned = giveBack;
        EvaluateTier(ledger, refund.At, refund.At);
        return Result("refund", refund.TransactionId, ledger, refund.At, tierBefore) with
        {
            PointsReturned = giveBack,
        };
    }

    // ---------------------------------------------------------------- events

    /// <summary>Grants a program event (welcome, birthday, useful action, referral, gift, promotion).</summary>
    public OperationResult Grant(AccountState state, GrantRequest grant)
    {
        ArgumentNullException.ThrowIfNull(grant);
        CheckAccount(state, grant.At, allowBlocked: false);
        Require(!string.IsNullOrWhiteSpace(grant.TransactionId), LoyaltyErrorCode.InvalidRequest, "The grant's transaction id is empty.");
        CheckNew(state, grant.TransactionId);
        Require(state.Mode == AccountMode.Bonus, LoyaltyErrorCode.WrongMode, "A discount-card account does not collect points.", _p.Definition.DiscountCard?.Rule);
        if (!_p.Events.TryGetValue(grant.EventId ?? string.Empty, out var e))
        {
            throw new LoyaltyRuleException(LoyaltyErrorCode.UnknownEvent, $"Program {_p.Id} has no event '{grant.EventId}' (known: {string.Join(", ", _p.Events.Keys)}).");
        }

        long points;
        if (e.Points is { } fixedPoints)
        {
            Require(grant.Points is null || grant.Points == fixedPoints, LoyaltyErrorCode.InvalidAmount, $"Event {e.Id} grants exactly {fixedPoints} points.", e.Rule);
            points = fixedPoints;
        }
        else
        {
            Require(grant.Points is { } asked && asked >= e.MinPoints && asked <= e.MaxPoints, LoyaltyErrorCode.InvalidAmount, $"Event {e.Id} grants {e.MinPoints}..{e.MaxPoints} points; {grant.Points} given.", e.Rule);
            points = grant.Points!.Value;
        }

        var ledger = new Ledger(state);
        Require(EventEligible(ledger, e, grant.At, explain: true), LoyaltyErrorCode.EventAlreadyGranted, $"Event {e.Id} was already granted.", e.Rule);
        ledger.AddTransaction(grant.TransactionId);
        CreditEvent(ledger, e, points, grant.TransactionId, 0, grant.At);
        EvaluateTier(ledger, grant.At, grant.At);
        return Result("grant", grant.TransactionId, ledger, grant.At, state.TierId) with { PointsEarned = points };
    }

    /// <summary>Grants the birthday events due by <paramref name="now"/> (daily job); nothing when none is due.</summary>
    public OperationResult GrantBirthday(AccountState state, DateTimeOffset now)
    {
        var ledger = StartJob(state, now);
        GrantBirthdayCore(ledger, now);
        return Result("birthday", JobId("birthday", now), ledger, now, state.TierId);
    }

    // ---------------------------------------------------------------- rewards catalog

    /// <summary>Spends points on a catalog reward (RT-R5, RT-R6), with the tier's discount.</summary>
    public OperationResult RedeemReward(AccountState state, RewardRequest request)
    {
        ArgumentNullException.ThrowIfNull(request);
        CheckAccount(state, request.At, allowBlocked: false);
        CheckNew(state, request.TransactionId);
        var catalog = _p.Definition.Catalog;
        if (_p.Catalog is null || catalog is null)
        {
            throw new LoyaltyRuleException(LoyaltyErrorCode.NoCatalog, $"Program {_p.Id} has no rewards catalog.");
        }

        if (!_p.Catalog.TryGetValue(request.ItemId ?? string.Empty, out var item))
        {
            throw new LoyaltyRuleException(LoyaltyErrorCode.UnknownRewardItem, $"The catalog has no item '{request.ItemId}'.", catalog.Rule);
        }

        Require(item.Regions.Length == 0 || (request.Region is not null && item.Regions.Contains(request.Region)), LoyaltyErrorCode.RewardNotInRegion, $"Reward {item.Id} is not offered in region '{request.Region}'.", catalog.Rule);
        Require(!(catalog.RefuseWhenCustomerOwes && request.CustomerOwesMoney), LoyaltyErrorCode.CustomerOwesMoney, "The customer has an unpaid bill; rewards are refused until it is paid.", catalog.LimitsRule);
        var month = SaleEvaluator.MonthKey(request.At, _p.Offset);
        var thisMonth = 0;
        foreach (var r in state.Rewards)
        {
            Require(!(item.OncePerCustomer && r.ItemId == item.Id), LoyaltyErrorCode.RewardAlreadyOrdered, $"Reward {item.Id} can be ordered once per customer and was ordered on {r.At:yyyy-MM-dd}.", catalog.LimitsRule);
            if (SaleEvaluator.MonthKey(r.At, _p.Offset) == month)
            {
                thisMonth++;
            }
        }

        Require(catalog.MaxOrdersPerMonth is not { } max || thisMonth < max, LoyaltyErrorCode.MonthlyRewardLimit, $"Rewards can be ordered {catalog.MaxOrdersPerMonth} time(s) a month.", catalog.LimitsRule);
        var tier = _p.Tiers[_evaluator.EffectiveTier(state, request.At)];
        var discount = Rounding.Divide((Int128)item.Price * tier.RewardDiscountBp, 10_000, _p.RewardDiscountRounding);
        var price = item.Price - discount;
        var (_, usable) = LotMath.Totals(state.Lots, request.At);
        Require(usable >= price, LoyaltyErrorCode.InsufficientPoints, $"Reward {item.Id} costs {price} points; {Math.Max(usable, 0)} are usable.", catalog.LimitsRule);

        var ledger = new Ledger(state);
        ledger.AddTransaction(request.TransactionId);
        ledger.Cite(catalog.Rule);
        ledger.Cite(tier.RewardDiscountBp > 0 ? tier.Rule : null);
        ledger.Take(price, request.At, usableOnly: true, LotChangeKind.Consumed, null, catalog.Rule);
        var order = new RewardOrder
        {
            TransactionId = request.TransactionId,
            ItemId = item.Id,
            At = request.At,
            Price = item.Price,
            PointsPaid = price,
            ValidUntil = item.Validity.After(request.At, _p.Offset),
        };
        ledger.Rewards.Add(order);
        return Result("reward", request.TransactionId, ledger, request.At, state.TierId) with { PointsSpent = price, Reward = order };
    }

    /// <summary>Cancels a reward order where the catalog allows it (RT: never; refusing a gift returns nothing).</summary>
    public OperationResult CancelReward(AccountState state, string rewardTransactionId, DateTimeOffset at)
    {
        CheckAccount(state, at, allowBlocked: true);
        var catalog = _p.Definition.Catalog ?? throw new LoyaltyRuleException(LoyaltyErrorCode.NoCatalog, $"Program {_p.Id} has no rewards catalog.");
        Require(catalog.Cancellable, LoyaltyErrorCode.RewardNotCancellable, "A reward order cannot be cancelled; refusing an unused reward does not return the points.", catalog.LimitsRule);
        var index = -1;
        for (var i = 0; i < state.Rewards.Count; i++)
        {
            index = state.Rewards[i].TransactionId == rewardTransactionId ? i : index;
        }

        Require(index >= 0, LoyaltyErrorCode.OriginalSaleNotFound, $"Reward order {rewardTransactionId} is not on this account.");
        var reward = state.Rewards[index];
        var ledger = new Ledger(state);
        var tx = "cancel:" + rewardTransactionId;
        CheckNew(state, tx);
        ledger.AddTransaction(tx);
        ledger.Rewards.RemoveAt(index);
        ledger.Credit(NewLot(tx, 0, LotKind.Adjustment, catalog.Rule, reward.PointsPaid, at));
        return Result("cancelReward", tx, ledger, at, state.TierId) with { PointsReturned = reward.PointsPaid };
    }

    // ---------------------------------------------------------------- jobs

    /// <summary>Writes off what is left of lots whose expiry has passed.</summary>
    public OperationResult ExpireLots(AccountState state, DateTimeOffset now)
    {
        var ledger = StartJob(state, now);
        ExpireCore(ledger, now);
        return Result("expire", JobId("expire", now), ledger, now, state.TierId);
    }

    /// <summary>Charges inactivity decay for every whole month without a visit past the grace period (ATI-R5).</summary>
    public OperationResult ApplyInactivityDecay(AccountState state, DateTimeOffset now)
    {
        var ledger = StartJob(state, now);
        DecayCore(ledger, now);
        return Result("decay", JobId("decay", now), ledger, now, state.TierId);
    }

    /// <summary>Credits the monthly batches whose credit day has come (RT-R3).</summary>
    public OperationResult RunMonthlyAccrual(AccountState state, DateTimeOffset now)
    {
        var ledger = StartJob(state, now);
        BatchCore(ledger, now);
        EvaluateTier(ledger, now, now);
        return Result("monthlyAccrual", JobId("accrual", now), ledger, now, state.TierId);
    }

    /// <summary>Applies tier changes that have come due (next-day changes, ended validity, rolling windows).</summary>
    public OperationResult ApplyTierChanges(AccountState state, DateTimeOffset now)
    {
        var ledger = StartJob(state, now);
        PromoteDueTier(ledger, now);
        EvaluateTier(ledger, now, now);
        return Result("tier", JobId("tier", now), ledger, now, state.TierId);
    }

    /// <summary>Every job in a fixed order: monthly accrual, tier changes, birthdays, decay, expiry.</summary>
    public OperationResult RunDailyJobs(AccountState state, DateTimeOffset now)
    {
        var ledger = StartJob(state, now);
        BatchCore(ledger, now);
        PromoteDueTier(ledger, now);
        EvaluateTier(ledger, now, now);
        GrantBirthdayCore(ledger, now);
        DecayCore(ledger, now);
        ExpireCore(ledger, now);
        return Result("daily", JobId("daily", now), ledger, now, state.TierId);
    }

    public OperationResult RunDailyJobs(AccountState state) => RunDailyJobs(state, _time.GetUtcNow());

    // ---------------------------------------------------------------- administration

    /// <summary>Blocks the account until resolved (INV-KZ-R11): sales, grants and rewards are refused.</summary>
    public OperationResult Block(AccountState state, string reason, DateTimeOffset at) =>
        Admin(state, at, "block", s => s with { Status = AccountStatus.Blocked, StatusReason = reason }, allowBlocked: true);

    public OperationResult Unblock(AccountState state, DateTimeOffset at) =>
        Admin(state, at, "unblock", s => s with { Status = AccountStatus.Active, StatusReason = null }, allowBlocked: true);

    /// <summary>Annuls the membership (CSM-R12): every point is cancelled and the account refuses everything after.</summary>
    public OperationResult Annul(AccountState state, string reason, DateTimeOffset at)
    {
        var ledger = StartAdmin(state, at, allowBlocked: true);
        for (var i = 0; i < ledger.Lots.Count; i++)
        {
            if (ledger.Lots[i].Remaining > 0)
            {
                ledger.Removed += ledger.TakeFrom(i, ledger.Lots[i].Remaining, LotChangeKind.Cancelled, null, null);
            }
        }

        ledger.State = ledger.State with { Status = AccountStatus.Annulled, StatusReason = reason };
        return Result("annul", JobId("annul", at), ledger, at, state.TierId);
    }

    /// <summary>Replaces a lost or damaged card (CSM-R11): the old card is blocked, the whole balance stays with the account.</summary>
    public OperationResult ReplaceCard(AccountState state, string newCardNumber, DateTimeOffset at, long qualifyingPaymentMinor = 0)
    {
        var problem = _p.Card.Validate(newCardNumber);
        Require(problem is null, LoyaltyErrorCode.InvalidCardNumber, $"Card {CardNumberFormat.Mask(newCardNumber)} is not a {_p.Id} card: {problem}.");
        Require(newCardNumber != state.CardNumber, LoyaltyErrorCode.InvalidCardNumber, "The new card is the card being replaced.");
        var ledger = StartAdmin(state, at, allowBlocked: true);
        var fee = CardFee(qualifyingPaymentMinor, ledger);
        ledger.State = ledger.State with
        {
            CardNumber = newCardNumber,
            PreviousCards = [.. state.PreviousCards, state.CardNumber],
            CardValidUntil = _p.CardValidity.IsNever ? null : _p.CardValidity.After(at, _p.Offset),
        };
        ledger.Cite(_p.Definition.Card.ValidityRule);
        return Result("replaceCard", JobId("replace", at), ledger, at, state.TierId) with { FeeMinor = fee };
    }

    /// <summary>Extends the card's validity by another period (CSM-R13); the balance is kept.</summary>
    public OperationResult ExtendCard(AccountState state, DateTimeOffset at)
    {
        var ledger = StartAdmin(state, at, allowBlocked: true, allowExpiredCard: true);
        var from = state.CardValidUntil is { } until && until > at ? until : at;
        ledger.State = ledger.State with { CardValidUntil = _p.CardValidity.IsNever ? null : _p.CardValidity.After(from, _p.Offset) };
        ledger.Cite(_p.Definition.Card.ValidityRule);
        return Result("extendCard", JobId("extend", at), ledger, at, state.TierId);
    }

    /// <summary>Assigns a tier by hand (INV-HP-R6 Special/VIP); it stays until assigned again.</summary>
    public OperationResult AssignTier(AccountState state, string tierId, DateTimeOffset at)
    {
        if (!_p.TierIndex.TryGetValue(tierId ?? string.Empty, out var idx))
        {
            throw new LoyaltyRuleException(LoyaltyErrorCode.UnknownTier, $"Program {_p.Id} has no tier '{tierId}'.");
        }

        var ledger = StartAdmin(state, at, allowBlocked: true);
        var tier = _p.Tiers[idx];
        ledger.State = ledger.State with
        {
            TierId = tier.Id,
            TierSince = at,
            TierValidUntil = tier.Validity.IsNever ? null : tier.Validity.After(at, _p.Offset),
            TierAssignedManually = true,
            PendingTierId = null,
            PendingTierFrom = null,
        };
        ledger.Cite(tier.Rule);
        return Result("assignTier", JobId("tier", at), ledger, at, state.TierId);
    }

    /// <summary>Switches between the bonus program and a discount card (INV-HP-R1), by written request.</summary>
    public OperationResult SwitchMode(AccountState state, AccountMode mode, DateTimeOffset at, bool writtenRequest)
    {
        var discount = _p.Definition.DiscountCard;
        Require(discount is not null || mode == AccountMode.Bonus, LoyaltyErrorCode.WrongMode, $"Program {_p.Id} has no discount cards.");
        Require(discount is null || !discount.SwitchRequiresWrittenRequest || writtenRequest, LoyaltyErrorCode.WrittenRequestRequired, "Switching between bonus and discount card needs a written request at an office.", discount?.Rule);
        var ledger = StartAdmin(state, at, allowBlocked: false);
        ledger.State = ledger.State with { Mode = mode, DiscountLevel = null };
        if (mode == AccountMode.DiscountCard)
        {
            UpdateDiscountLevel(ledger);
        }

        ledger.Cite(discount?.Rule);
        return Result("switchMode", JobId("mode", at), ledger, at, state.TierId);
    }

    // ---------------------------------------------------------------- internals

    private static void Require(bool condition, LoyaltyErrorCode code, string message, string? rule = null)
    {
        if (!condition)
        {
            throw new LoyaltyRuleException(code, message, rule);
        }
    }

    private static DateTimeOffset Later(DateTimeOffset? a, DateTimeOffset b) => a is { } x && x > b ? x : b;

    private static string JobId(string kind, DateTimeOffset at) => $"{kind}:{at.UtcDateTime:yyyy-MM-ddTHH:mm:ss.fffffffZ}";

    private void CheckAccount(AccountState state, DateTimeOffset at, bool allowBlocked, bool allowExpiredCard = false)
    {
        ArgumentNullException.ThrowIfNull(state);
        Require(state.ProgramId == _p.Id, LoyaltyErrorCode.WrongProgram, $"The account belongs to program {state.ProgramId}, not {_p.Id}.");
        Require(at >= state.LastOperationAt - _options.MaxBackdating, LoyaltyErrorCode.TimeWentBackwards,
            $"Time {at:O} is before the account's last operation {state.LastOperationAt:O} by more than {_options.MaxBackdating}.");
        Require(state.Status != AccountStatus.Annulled, LoyaltyErrorCode.AccountAnnulled, "The membership is annulled; the account takes no operations.", state.StatusReason);
        Require(allowBlocked || state.Status != AccountStatus.Blocked, LoyaltyErrorCode.AccountBlocked, $"The account is blocked ({state.StatusReason}) until the operator resolves it.");
        Require(allowExpiredCard || state.CardValidUntil is null || at < state.CardValidUntil, LoyaltyErrorCode.CardExpired, "The card's validity has ended; it can be extended.", _p.Definition.Card.ValidityRule);
    }

    private void CheckSale(AccountState state, SaleRequest sale)
    {
        ArgumentNullException.ThrowIfNull(sale);
        CheckAccount(state, sale.At, allowBlocked: false);
        Require(!string.IsNullOrWhiteSpace(sale.TransactionId), LoyaltyErrorCode.InvalidRequest, "The sale's transaction id is empty.");
        Require(sale.Lines is { Count: > 0 }, LoyaltyErrorCode.InvalidRequest, "The basket has no lines.");
        Require(sale.Lines.Count <= _options.MaxLines, LoyaltyErrorCode.InvalidRequest, $"The basket has {sale.Lines.Count} lines; at most {_options.MaxLines} are accepted.");
        Require(sale.PointsToSpend >= 0 && sale.PointsToSpend <= _options.MaxPoints, LoyaltyErrorCode.InvalidAmount, $"Points to spend {sale.PointsToSpend} must be 0..{_options.MaxPoints}.");
        Require(sale.Country is null || _p.Country is null || sale.Country == _p.Country, LoyaltyErrorCode.WrongCountry, $"Cards of program {_p.Id} are valid only in {_p.Country}.");
        Require(sale.GoodsReceivedAt is null || sale.GoodsReceivedAt >= sale.At, LoyaltyErrorCode.TimeWentBackwards, "Goods cannot be received before they are sold.");
    }

    private void CheckNew(AccountState state, string transactionId)
    {
        for (var i = 0; i < state.TransactionIds.Count; i++)
        {
            Require(state.TransactionIds[i] != transactionId, LoyaltyErrorCode.DuplicateTransaction, $"Transaction {transactionId} was already applied to this account.");
        }
    }

    private Ledger StartJob(AccountState state, DateTimeOffset now)
    {
        ArgumentNullException.ThrowIfNull(state);
        Require(state.ProgramId == _p.Id, LoyaltyErrorCode.WrongProgram, $"The account belongs to program {state.ProgramId}, not {_p.Id}.");
        Require(now >= state.LastOperationAt - _options.MaxBackdating, LoyaltyErrorCode.TimeWentBackwards,
            $"Job time {now:O} is before the account's last operation {state.LastOperationAt:O} by more than {_options.MaxBackdating}.");
        return new Ledger(state);
    }

    private Ledger StartAdmin(AccountState state, DateTimeOffset at, bool allowBlocked, bool allowExpiredCard = false)
    {
        CheckAccount(state, at, allowBlocked, allowExpiredCard);
        return new Ledger(state);
    }

    private OperationResult Admin(AccountState state, DateTimeOffset at, string operation, Func<AccountState, AccountState> change, bool allowBlocked)
    {
        var ledger = StartAdmin(state, at, allowBlocked);
        ledger.State = change(ledger.State);
        return Result(operation, JobId(operation, at), ledger, at, state.TierId);
    }

    private long CardFee(long qualifyingPaymentMinor, Ledger ledger)
    {
        if (_p.Definition.Card.Fee is not { } fee)
        {
            return 0;
        }

        ledger.Cite(fee.Rule);
        return qualifyingPaymentMinor > fee.FreeWithPaymentOverMinor ? 0 : fee.FeeMinor;
    }

    private PointLot NewLot(string transactionId, int index, LotKind kind, string? rule, long points, DateTimeOffset credited)
    {
        var k = _p.LotKinds[(int)kind];
        return new PointLot
        {
            Id = $"{transactionId}#{index}",
            Kind = kind,
            SourceTransactionId = transactionId,
            RuleId = rule ?? k.Rule,
            Amount = points,
            Remaining = points,
            CreditedAt = credited,
            UsableFrom = credited == DateTimeOffset.MaxValue ? credited : k.Activation.AfterOrMax(credited, _p.Offset),
            ExpiresAt = credited == DateTimeOffset.MaxValue ? null : k.Expiry.After(credited, _p.Offset),
        };
    }

    private LotPreview[] Previews(SaleComputation c, SaleRequest sale)
    {
        var count = 0;
        Span<long> perKind = stackalloc long[8];
        for (var r = 0; r < _p.EarnRules.Length; r++)
        {
            if (c.RulePoints[r] > 0)
            {
                if (perKind[(int)_p.EarnRules[r].LotKind] == 0)
                {
                    count++;
                }

                perKind[(int)_p.EarnRules[r].LotKind] += c.RulePoints[r];
            }
        }

        if (count == 0)
        {
            return [];
        }

        var result = new LotPreview[count];
        var j = 0;
        for (var k = 0; k < perKind.Length; k++)
        {
            if (perKind[k] > 0)
            {
                var lot = NewLot(sale.TransactionId, j, (LotKind)k, null, perKind[k], _evaluator.CreditTime((LotKind)k, sale));
                result[j++] = new LotPreview(lot.Kind, lot.Amount, lot.CreditedAt, lot.UsableFrom, lot.ExpiresAt);
            }
        }

        return result;
    }

    private LotPreview[] WithEventPreviews(LotPreview[] previews, List<CompiledEvent> events, SaleRequest sale)
    {
        if (events.Count == 0)
        {
            return previews;
        }

        var result = new List<LotPreview>(previews);
        foreach (var e in events)
        {
            var credited = _p.LotKinds[(int)e.LotKind].CreditDelay.AfterOrMax(sale.At, _p.Offset);
            var lot = NewLot(sale.TransactionId, result.Count, e.LotKind, e.Rule, e.Points!.Value, credited);
            result.Add(new LotPreview(lot.Kind, lot.Amount, lot.CreditedAt, lot.UsableFrom, lot.ExpiresAt));
        }

        return [.. result];
    }

    private LoyaltyRuleException BurnRefusal(long asked, SaleComputation c)
    {
        var (code, why) = c.Binding switch
        {
            BurnLimitKind.PromoCode => (LoyaltyErrorCode.PromoCodeWithPoints, "a promo code and points cannot be combined in one order"),
            BurnLimitKind.DiscountCard => (LoyaltyErrorCode.DiscountCardWithPoints, "a discount card and points cannot be used together"),
            BurnLimitKind.NotOwner => (LoyaltyErrorCode.NotAccountOwner, "only the card's owner may pay with its points"),
            BurnLimitKind.NotRedeemable => (LoyaltyErrorCode.CategoryNotRedeemable, "nothing in this basket may be paid with points"),
            BurnLimitKind.DailyOrders => (LoyaltyErrorCode.DailyRedemptionLimit, "the card has paid with points the most orders allowed today"),
            BurnLimitKind.UsableBalance => (LoyaltyErrorCode.InsufficientPoints, $"only {c.MaxSpend} points are usable now"),
            BurnLimitKind.AccountNotBonus => (LoyaltyErrorCode.WrongMode, "a discount-card account has no points to spend"),
            _ => (LoyaltyErrorCode.BurnLimitExceeded, $"at most {c.MaxSpend} points may pay for this bill ({c.Binding})"),
        };
        return new LoyaltyRuleException(code, $"Cannot spend {asked} points: {why}.", c.BindingRule);
    }

    private void AttributeEarn(SaleRequest sale, SaleComputation c, long[] lineEarned)
    {
        var n = sale.Lines.Count;
        var weights = new long[n];
        var share = new long[n];
        for (var r = 0; r < _p.EarnRules.Length; r++)
        {
            if (c.RulePoints[r] == 0)
            {
                continue;
            }

            var mask = _p.EarnRules[r].CategoryMask;
            for (var i = 0; i < n; i++)
            {
                weights[i] = c.LineEarns[i] && (mask is null || mask[c.LineCategory[i]]) ? c.LineMoney[i] : 0;
            }

            LotMath.Distribute(c.RulePoints[r], weights, share);
            for (var i = 0; i < n; i++)
            {
                lineEarned[i] += share[i];
            }
        }
    }

    private long Proportion(long points, long part, long whole) =>
        whole == 0 || part >= whole ? points : Rounding.Divide((Int128)points * part, whole, _p.RefundRounding);

    private void TakeBackEarned(Ledger ledger, OrderRecord order, long points, RefundRequest refund, ref int lotIndex)
    {
        var left = points;
        foreach (var earned in order.EarnedLots)
        {
            var i = ledger.FindLot(earned.LotId);
            if (i >= 0 && left > 0 && LotMath.Alive(ledger.Lots[i], refund.At))
            {
                var taken = ledger.TakeFrom(i, left, LotChangeKind.TakenBack, null, _p.RefundRule);
                ledger.Lots[i] = ledger.Lots[i] with { TakenBack = ledger.Lots[i].TakenBack + taken };
                left -= taken;
            }
        }

        // Points of this sale already spent or expired: take them from the other lots, then by policy.
        left -= ledger.Take(left, refund.At, usableOnly: false, LotChangeKind.TakenBack, null, _p.RefundRule);
        if (left > 0 && _p.Shortfall == ShortfallPolicy.Debt)
        {
            var debt = new PointLot
            {
                Id = $"{refund.TransactionId}#{lotIndex++}",
                Kind = LotKind.Adjustment,
                SourceTransactionId = refund.TransactionId,
                RuleId = _p.RefundRule,
                Amount = -left,
                Remaining = -left,
                CreditedAt = refund.At,
                UsableFrom = refund.At,
            };
            ledger.Lots.Add(debt);
            ledger.Changes.Add(new LotChange(debt.Id, debt.Kind, LotChangeKind.Created, -left, _p.RefundRule));
        }

        ledger.Removed += points;
    }

    private void ReturnSpent(Ledger ledger, OrderRecord order, long points, RefundRequest refund, ref int lotIndex)
    {
        // Walk the consumed lots backwards (the last one consumed is returned first), skipping what
        // earlier partial refunds already gave back, so repeated refunds add up to one full refund.
        var skip = order.PointsReturned;
        var left = points;
        var delayed = _p.RefundReturnDelay.Unit != PeriodUnit.Zero;
        for (var s = order.SpentFrom.Count - 1; s >= 0 && left > 0; s--)
        {
            var from = order.SpentFrom[s];
            var available = from.Amount;
            var skipped = Math.Min(skip, available);
            skip -= skipped;
            available -= skipped;
            var x = Math.Min(available, left);
            if (x <= 0)
            {
                continue;
            }

            left -= x;
            var i = ledger.FindLot(from.LotId);
            var source = i >= 0 ? ledger.Lots[i] : null;
            if (!delayed && source is not null)
            {
                ledger.Lots[i] = source with { Remaining = source.Remaining + x };
                ledger.Changes.Add(new LotChange(source.Id, source.Kind, LotChangeKind.Restored, x, _p.RefundRule));
            }
            else
            {
                ledger.Credit(new PointLot
                {
                    Id = $"{refund.TransactionId}#{lotIndex++}",
                    Kind = source?.Kind ?? LotKind.Adjustment,
                    SourceTransactionId = refund.TransactionId,
                    RuleId = _p.RefundRule,
                    Amount = x,
                    Remaining = x,
                    CreditedAt = refund.At,
                    UsableFrom = _p.RefundReturnDelay.AfterOrMax(refund.At, _p.Offset),
                    ExpiresAt = source?.ExpiresAt,
                });
                ledger.Created -= x;
            }
        }
    }

    private bool EventEligible(Ledger ledger, CompiledEvent e, DateTimeOffset at, bool explain = false) =>
        EventEligible(ledger.State.JoinedAt, ledger.Grants, e, at, explain);

    private bool EventEligible(DateTimeOffset joinedAt, IReadOnlyList<GrantRecord> grants, CompiledEvent e, DateTimeOffset at, bool explain = false)
    {
        if (e.JoinedOnOrAfter is { } since && DateOnly.FromDateTime(joinedAt.ToOffset(_p.Offset).DateTime) < since)
        {
            if (explain)
            {
                throw new LoyaltyRuleException(LoyaltyErrorCode.EventNotEligible, $"Event {e.Id} is only for members who joined on or after {since:yyyy-MM-dd}.", e.Rule);
            }

            return false;
        }

        var year = at.ToOffset(_p.Offset).Year;
        foreach (var g in grants)
        {
            if (g.EventId == e.Id && (e.Once == OncePolicy.PerAccount || (e.Once == OncePolicy.PerYear && g.At.ToOffset(_p.Offset).Year == year)))
            {
                return false;
            }
        }

        return true;
    }

    /// <summary>
    /// The events a sale credits because it is the account's first order (INV-RU-R2, INV-BY-R5): the
    /// quote and the applied sale both list them, so a receipt's "earned" and balance match the ledger.
    /// </summary>
    private List<CompiledEvent> FirstOrderEvents(AccountState state, SaleRequest sale, SaleComputation c)
    {
        var events = new List<CompiledEvent>();
        if (state.Orders.Count != 0 || state.History is { Orders: > 0 } || state.Mode != AccountMode.Bonus)
        {
            return events;
        }

        foreach (var e in _p.EventList)
        {
            if (e.Trigger == EventTrigger.FirstOrder && EventEligible(state.JoinedAt, state.Grants, e, sale.At) && FirstOrderQualifies(e, sale, c))
            {
                events.Add(e);
            }
        }

        return events;
    }

    private EarnItem WelcomeItem(CompiledEvent e, DateTimeOffset at) => new()
    {
        RuleId = e.Rule,
        Description = $"{e.Id}: {e.Points!.Value} points with the first order",
        BaseMinor = 0,
        RateBasisPoints = 0,
        Points = e.Points!.Value,
        LotKind = e.LotKind,
        CreditedAt = _p.LotKinds[(int)e.LotKind].CreditDelay.AfterOrMax(at, _p.Offset),
    };

    private static bool FirstOrderQualifies(CompiledEvent e, SaleRequest sale, SaleComputation c)
    {
        if (e.CategoryMask is null)
        {
            return c.Total > 0;
        }

        for (var i = 0; i < sale.Lines.Count; i++)
        {
            if (e.CategoryMask[c.LineCategory[i]] && sale.Lines[i].AmountMinor > 0)
            {
                return true;
            }
        }

        return false;
    }

    private void CreditEvent(Ledger ledger, CompiledEvent e, long points, string transactionId, int index, DateTimeOffset at)
    {
        var credited = _p.LotKinds[(int)e.LotKind].CreditDelay.AfterOrMax(at, _p.Offset);
        ledger.Credit(NewLot(transactionId, index, e.LotKind, e.Rule, points, credited));
        ledger.Grants.Add(new GrantRecord(transactionId, e.Id, at, points));
        ledger.Cite(e.Rule);
    }

    private void GrantBirthdayCore(Ledger ledger, DateTimeOffset now)
    {
        var s = ledger.State;
        if (s.BirthDate is not { } birth || s.Status != AccountStatus.Active || s.Mode != AccountMode.Bonus)
        {
            return;
        }

        var local = now.ToOffset(_p.Offset);
        var day = Math.Min(birth.Day, DateTime.DaysInMonth(local.Year, birth.Month));
        var birthday = new DateTimeOffset(local.Year, birth.Month, day, 0, 0, 0, _p.Offset);
        var joined = s.JoinedAt.ToOffset(_p.Offset);
        if (local < birthday || birthday < new DateTimeOffset(joined.Year, joined.Month, joined.Day, 0, 0, 0, _p.Offset))
        {
            return;
        }

        foreach (var e in _p.EventList)
        {
            var tx = $"birthday:{local.Year:D4}:{e.Id}";
            if (e.Trigger == EventTrigger.Birthday && !ledger.HasTransaction(tx) && EventEligible(ledger, e, now))
            {
                ledger.AddTransaction(tx);
                // Credited when the job runs (on the day, or later if a run was missed), so expiry counts from then.
                CreditEvent(ledger, e, e.Points!.Value, tx, 0, now);
            }
        }
    }

    private void ExpireCore(Ledger ledger, DateTimeOffset now)
    {
        for (var i = 0; i < ledger.Lots.Count; i++)
        {
            var lot = ledger.Lots[i];
            if (!lot.Expired && lot.ExpiresAt is { } end && end <= now && lot.Remaining > 0)
            {
                ledger.Lots[i] = lot with { Remaining = 0, Expired = true };
                ledger.Changes.Add(new LotChange(lot.Id, lot.Kind, LotChangeKind.Expired, lot.Remaining, _p.LotKinds[(int)lot.Kind].Rule ?? lot.RuleId));
                ledger.Removed += lot.Remaining;
            }
            else if (!lot.Expired && lot.ExpiresAt is { } end2 && end2 <= now)
            {
                ledger.Lots[i] = lot with { Expired = true };
            }
        }
    }

    private void DecayCore(Ledger ledger, DateTimeOffset now)
    {
        if (_p.Decay is null)
        {
            return;
        }

        var s = ledger.State;
        var last = (s.LastVisitAt ?? s.JoinedAt).ToOffset(_p.Offset);
        var months = 0;
        while (months < 1200 && last.AddMonths(months + 1) <= now)
        {
            months++;
        }

        for (var m = s.DecayMonthsCharged + 1; m <= months; m++)
        {
            foreach (var step in _p.DecaySteps)
            {
                if (m >= step.FromMonth && m <= step.ToMonth)
                {
                    // Never below zero: a month's charge takes what is there and no more.
                    var charged = ledger.Take(step.Points, last.AddMonths(m), usableOnly: false, LotChangeKind.Decayed, null, _p.Decay.Rule);
                    ledger.Removed += charged;
                }
            }
        }

        if (months > s.DecayMonthsCharged)
        {
            ledger.State = ledger.State with { DecayMonthsCharged = months };
            ledger.Cite(_p.Decay.Rule);
        }
    }

    private void BatchCore(Ledger ledger, DateTimeOffset now)
    {
        if (!_p.MonthlyBatch)
        {
            return;
        }

        // Months with accruals waiting, oldest first.
        var months = new SortedSet<string>(StringComparer.Ordinal);
        foreach (var o in ledger.Orders)
        {
            if (o.PendingAccruals.Count > 0 && _evaluator.BatchDate(o.At) <= now)
            {
                months.Add(SaleEvaluator.MonthKey(o.At, _p.Offset));
            }
        }

        foreach (var month in months)
        {
            var tx = "batch:" + month;
            if (ledger.Batches.Contains(month))
            {
                continue;
            }

            var orderIdx = OrdersOfMonth(ledger.Orders, month);
            var batchDate = _evaluator.BatchDate(ledger.Orders[orderIdx[0]].At);
            var lotIndex = 0;
            for (var r = 0; r < _p.EarnRules.Length; r++)
            {
                var rule = _p.EarnRules[r];
                var (points, weights) = MonthRulePoints(ledger.Orders, orderIdx, rule);
                if (points <= 0)
                {
                    continue;
                }

                var lot = NewLot(tx, lotIndex++, rule.LotKind, rule.Id, points, batchDate);
                ledger.Credit(lot);
                ledger.Cite(rule.Id);
                var shares = new long[orderIdx.Count];
                LotMath.Distribute(points, weights, shares);
                for (var k = 0; k < orderIdx.Count; k++)
                {
                    var o = ledger.Orders[orderIdx[k]];
                    if (shares[k] == 0)
                    {
                        continue;
                    }

                    var lineWeights = new long[o.Lines.Count];
                    var lineShares = new long[o.Lines.Count];
                    for (var l = 0; l < o.Lines.Count; l++)
                    {
                        lineWeights[l] = o.Lines[l].AmountMinor - o.Lines[l].RefundedMinor;
                    }

                    LotMath.Distribute(shares[k], lineWeights, lineShares);
                    var lines = new OrderLineRecord[o.Lines.Count];
                    for (var l = 0; l < lines.Length; l++)
                    {
                        lines[l] = o.Lines[l] with { PointsEarned = o.Lines[l].PointsEarned + lineShares[l] };
                    }

                    ledger.Orders[orderIdx[k]] = o with
                    {
                        PointsEarned = o.PointsEarned + shares[k],
                        EarnedLots = [.. o.EarnedLots, new LotAmount(lot.Id, shares[k])],
                        Lines = lines,
                    };
                }
            }

            foreach (var i in orderIdx)
            {
                ledger.Orders[i] = ledger.Orders[i] with { PendingAccruals = [] };
            }

            ledger.Batches.Add(month);
            ledger.AddTransaction(tx);
            ledger.Cite(_p.Definition.Earn.AccrualRule);
        }
    }

    private List<int> OrdersOfMonth(IReadOnlyList<OrderRecord> orders, string month)
    {
        var result = new List<int>();
        for (var i = 0; i < orders.Count; i++)
        {
            if (orders[i].PendingAccruals.Count > 0 && SaleEvaluator.MonthKey(orders[i].At, _p.Offset) == month)
            {
                result.Add(i);
            }
        }

        return result;
    }

    /// <summary>A month's points for one rule, rounded once over the month, and each order's weight in them.</summary>
    private (long Points, long[] Weights) MonthRulePoints(IReadOnlyList<OrderRecord> orders, List<int> orderIdx, CompiledEarnRule rule)
    {
        long baseSum = 0, bp = 0;
        var weights = new long[orderIdx.Count];
        for (var k = 0; k < orderIdx.Count; k++)
        {
            var o = orders[orderIdx[k]];
            foreach (var a in o.PendingAccruals)
            {
                if (a.RuleId == rule.Id)
                {
                    // Refunds before the batch shrink the base in proportion.
                    weights[k] = o.TotalMinor == 0 ? 0 : (long)((Int128)a.BaseMinor * (o.TotalMinor - o.RefundedMinor) / o.TotalMinor);
                    baseSum += weights[k];
                    bp = a.RateBasisPoints;
                }
            }
        }

        var points = rule.Kind == EarnRuleKind.PerUnits
            ? Rounding.Divide(baseSum, rule.UnitMinor, _p.EarnRounding) * rule.PointsPerUnit
            : Rounding.Divide((Int128)baseSum * bp, (Int128)10_000 * _p.PointValueMinor, _p.EarnRounding);
        return (points, weights);
    }

    /// <summary>Points the monthly batches not yet credited would credit, as things stand.</summary>
    private long AwaitingBatch(AccountState state)
    {
        if (!_p.MonthlyBatch)
        {
            return 0;
        }

        var months = new SortedSet<string>(StringComparer.Ordinal);
        foreach (var o in state.Orders)
        {
            if (o.PendingAccruals.Count > 0)
            {
                months.Add(SaleEvaluator.MonthKey(o.At, _p.Offset));
            }
        }

        long total = 0;
        foreach (var month in months)
        {
            var idx = OrdersOfMonth(state.Orders, month);
            foreach (var rule in _p.EarnRules)
            {
                total += MonthRulePoints(state.Orders, idx, rule).Points;
            }
        }

        return total;
    }

    private void PromoteDueTier(Ledger ledger, DateTimeOffset at)
    {
        var s = ledger.State;
        if (s.PendingTierId is not null && s.PendingTierFrom <= at)
        {
            var tier = _p.Tiers[_p.TierIndex[s.PendingTierId]];
            var from = s.PendingTierFrom.Value;
            ledger.State = s with
            {
                TierId = tier.Id,
                TierSince = from,
                TierValidUntil = tier.Validity.IsNever ? null : tier.Validity.After(from, _p.Offset),
                PendingTierId = null,
                PendingTierFrom = null,
            };
            ledger.Cite(_p.Definition.Tiers.EffectRule);
        }
    }

    private void EvaluateTier(Ledger ledger, DateTimeOffset now, DateTimeOffset creditAnchor)
    {
        var s = ledger.State;
        if (_p.TierBasis is TierBasis.None or TierBasis.Manual || s.TierAssignedManually || s.Mode != AccountMode.Bonus)
        {
            return;
        }

        var current = _p.TierIndex[s.PendingTierId ?? s.TierId];
        var reached = ReachedTier(ledger, now);
        var expired = s.TierValidUntil is { } until && until <= now;
        var target = current;
        if (reached > current || (reached < current && _p.TierAllowDowngrade && (s.TierValidUntil is null || expired)) || (expired && reached < current))
        {
            target = reached;
        }

        if (target == current)
        {
            if (expired && s.PendingTierId is null)
            {
                var tier = _p.Tiers[current];
                ledger.State = s with { TierSince = now, TierValidUntil = tier.Validity.IsNever ? null : tier.Validity.After(now, _p.Offset) };
            }

            return;
        }

        var t = _p.Tiers[target];
        ledger.Cite(t.Rule ?? _p.Definition.Tiers.Rule);
        if (_p.TierNextDay)
        {
            var local = creditAnchor.ToOffset(_p.Offset);
            var from = new DateTimeOffset(local.Year, local.Month, local.Day, 0, 0, 0, _p.Offset).AddDays(1);
            ledger.State = s with { PendingTierId = t.Id == s.TierId ? null : t.Id, PendingTierFrom = t.Id == s.TierId ? null : from };
            ledger.Cite(_p.Definition.Tiers.EffectRule);
            return;
        }

        ledger.State = s with
        {
            TierId = t.Id,
            TierSince = now,
            TierValidUntil = t.Validity.IsNever ? null : t.Validity.After(now, _p.Offset),
            PendingTierId = null,
            PendingTierFrom = null,
        };
    }

    private int ReachedTier(Ledger ledger, DateTimeOffset now)
    {
        long spend = 0, maxSingle = 0, statusPoints = 0;
        var orders = 0;
        var since = _p.TierBasis == TierBasis.Rolling365 ? now.AddDays(-365) : DateTimeOffset.MinValue;
        if (ledger.State.History is { } history)
        {
            if (_p.TierBasis == TierBasis.Rolling365)
            {
                // Folded orders by program day: a day counts while it is inside the window.
                var firstDay = DateOnly.FromDateTime(since.ToOffset(_p.Offset).Date).AddDays(1);
                foreach (var d in history.Days)
                {
                    if (d.Day >= firstDay)
                    {
                        spend += d.SpendMinor;
                        orders += (int)d.PaidOrders;
                        maxSingle = Math.Max(maxSingle, d.MaxSingleMinor);
                    }
                }
            }
            else
            {
                spend += history.SpendMinor;
                orders += (int)Math.Min(history.PaidOrders, int.MaxValue);
                maxSingle = Math.Max(maxSingle, history.MaxSingleMinor);
            }
        }

        foreach (var o in ledger.Orders)
        {
            var net = o.TotalMinor - o.RefundedMinor;
            if (o.At > since && o.At <= now && net > 0)
            {
                spend += net;
                orders++;
                maxSingle = Math.Max(maxSingle, net);
            }
        }

        if (_p.TierBasis == TierBasis.StatusPoints)
        {
            var windowStart = _p.StatusWindow.Before(now, _p.Offset);
            foreach (var l in ledger.Lots)
            {
                if (l.Amount > 0 && _p.StatusPointKinds[(int)l.Kind] && l.CreditedAt <= now && l.CreditedAt > windowStart)
                {
                    statusPoints += l.Amount - l.TakenBack;
                }
            }
        }

        for (var i = _p.Tiers.Length - 1; i > 0; i--)
        {
            var t = _p.Tiers[i];
            if (t.ManualOnly)
            {
                continue;
            }

            var spendRule = (t.MinSpendMinor is not null || t.MinOrders is not null)
                && (t.MinSpendMinor is not { } ms || spend >= ms)
                && (t.MinOrders is not { } mo || orders >= mo);
            if (spendRule || (t.SingleOrderMinMinor is { } single && maxSingle >= single) || (t.MinStatusPoints is { } sp && statusPoints >= sp))
            {
                return i;
            }
        }

        return 0;
    }

    private void UpdateDiscountLevel(Ledger ledger)
    {
        long spend = ledger.State.History?.SpendMinor ?? 0, maxSingle = ledger.State.History?.MaxSingleMinor ?? 0;
        foreach (var o in ledger.Orders)
        {
            var net = o.TotalMinor - o.RefundedMinor;
            spend += net;
            maxSingle = Math.Max(maxSingle, net);
        }

        string? level = null;
        foreach (var l in _p.DiscountLevels)
        {
            if ((l.SingleOrderMinMinor is { } s && maxSingle >= s) || (l.TotalSpendMinMinor is { } t && spend >= t))
            {
                level = l.Id;
            }
        }

        // A discount card is only ever upgraded (the old card is taken back), never downgraded.
        var current = Array.FindIndex(_p.DiscountLevels, l => l.Id == ledger.State.DiscountLevel);
        var next = Array.FindIndex(_p.DiscountLevels, l => l.Id == level);
        if (next > current)
        {
            ledger.State = ledger.State with { DiscountLevel = level };
            ledger.Cite(_p.Definition.DiscountCard?.Rule);
        }
    }

    private OperationResult Result(string operation, string transactionId, Ledger ledger, DateTimeOffset at, string tierBefore)
    {
        var state = ledger.Build(_p.Version, at);
        return new OperationResult
        {
            Operation = operation,
            TransactionId = transactionId,
            ProgramId = _p.Id,
            ProgramVersion = _p.Version,
            At = at,
            State = state,
            Summary = Summarize(state, at),
            LotChanges = [.. ledger.Changes],
            PointsEarned = ledger.Created,
            PointsRemoved = ledger.Removed,
            PointsReturned = ledger.Returned,
            TierBefore = tierBefore,
            TierAfter = state.TierId,
            PendingTierId = state.PendingTierId,
            PendingTierFrom = state.PendingTierFrom,
            Rules = [.. ledger.Rules],
        };
    }
}
