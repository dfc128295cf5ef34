using System.Collections.Concurrent;
using System.Diagnostics;
using System.Runtime.CompilerServices;
using Google.Protobuf.WellKnownTypes;
using Grpc.Core;
using PosAgent.Agent.Internal.Cards;
using PosAgent.Agent.Internal.Central;
using PosAgent.Agent.Internal.Estimation;
using PosAgent.Agent.Internal.Storage;
using PosAgent.Agent.Internal.Sync;
using PosAgent.Agent.Internal.Telemetry;
using PosAgent.Contracts.PosAgent.V1;
using PosAgent.Sales;
using Loyalty = PosAgent.Contracts.Loyalty.V1;

namespace PosAgent.Agent.Internal.Checks;

/// <summary>
/// Checks from open to commit, and refunds. A commit is written to the outbox (durably) before it
/// is answered; the central service is asked only to authorize points, within a short budget,
/// and the offline allowance applies when it cannot answer.
/// </summary>
internal sealed partial class CheckService
{
    public const int MaxLines = SaleLimits.MaxLines;
    public const int MaxQuantity = SaleLimits.MaxQuantity;
    public const long MaxUnitPriceMinor = SaleLimits.MaxAmountMinor;
    private const int MaxText = 200;

    private readonly ConcurrentDictionary<string, CheckSession> _open = new(StringComparer.Ordinal);
    private readonly AgentStore _store;
    private readonly CardDirectory _cards;
    private readonly IEstimator _estimator;
    private readonly CentralGateway _central;
    private readonly Connectivity _connectivity;
    private readonly EventHub _events;
    private readonly SyncSignal _sync;
    private readonly TimeProvider _time;
    private readonly AgentOptions _options;
    private readonly CommitLog _commitLog;
    private readonly KeyedGate _cardGate = new();
    private readonly AgentMetrics? _metrics;
    private volatile string? _lastOpened;

    public CheckService(AgentStore store, CardDirectory cards, IEstimator estimator, CentralGateway central, Connectivity connectivity,
        EventHub events, SyncSignal sync, TimeProvider time, AgentOptions options, CommitLog commitLog, AgentMetrics? metrics = null)
    {
        _metrics = metrics;
        _store = store;
        _cards = cards;
        _estimator = estimator;
        _central = central;
        _connectivity = connectivity;
        _events = events;
        _sync = sync;
        _time = time;
        _options = options;
        _commitLog = commitLog;
    }

    public int OpenCount => _open.Count;

    /// <summary>
    /// Brings back the checks that were open when the agent stopped (or was killed), with their
    /// lines and card: the card's snapshot from the card cache (or, for a card the terminal could
    /// not look up, the same placeholder as at attach).
    /// </summary>
    public int RestoreOpenChecks()
    {
        foreach (var record in _store.LoadOpenChecks())
        {
            var session = new CheckSession(record.Check, record.NextLine);
            if (record.CardNumber is { } number)
            {
                session.CardNumber = number;
                session.Card = _cards.Find(number) ?? UnknownCard(number);
                session.CardFromCentral = record.CardFromCentral;
            }

            _open[record.Check.CheckId] = session;
            _lastOpened = record.Check.CheckId;
        }

        return _open.Count;
    }

    // Under the session's gate: the stored copy follows every edit.
    private void Keep(CheckSession session)
    {
        session.LastTouched = _time.GetUtcNow();
        _store.SaveOpenCheck(new OpenCheckRecord(session.Check, session.CardNumber, session.CardFromCentral, session.LinesIssued));
    }

    /// <summary>The check a scanned card attaches to: the most recently opened one still open.</summary>
    public string? CurrentCheckId => _lastOpened is { } id && _open.ContainsKey(id) ? id : _open.Keys.LastOrDefault();

    public Check Open(OpenCheckRequest request)
    {
        Text(request.ClientReference, "client_reference");
        Text(request.CashierId, "cashier_id");
        if (_open.Count >= _options.MaxOpenChecks && CancelAbandoned() == 0 && _open.Count >= _options.MaxOpenChecks)
        {
            throw ApiError.Exhausted(
                $"this terminal already has {_open.Count} open checks (maxOpenChecks {_options.MaxOpenChecks}); commit or cancel some " +
                $"(checks untouched for {_options.OpenCheckMaxAge} are cancelled automatically)");
        }

        var check = new Check
        {
            CheckId = Guid.CreateVersion7().ToString(),
            State = CheckState.Open,
            ClientReference = request.ClientReference,
            OpenedAt = Timestamp.FromDateTimeOffset(_time.GetUtcNow()),
        };
        var session = new CheckSession(check);
        _open[check.CheckId] = session;
        _lastOpened = check.CheckId;
        lock (session.Gate)
        {
            Keep(session);
        }

        return check.Clone();
    }

    /// <summary>
    /// Cancels the open checks nobody has touched for <see cref="AgentOptions.OpenCheckMaxAge"/>
    /// (a POS that crashed mid-sale never comes back for them); returns how many. Run when the
    /// limit is reached and by the agent's housekeeping, so abandoned checks do not pile up.
    /// </summary>
    public int CancelAbandoned()
    {
        var cutoff = _time.GetUtcNow() - _options.OpenCheckMaxAge;
        var cancelled = 0;
        foreach (var (checkId, session) in _open)
        {
            lock (session.Gate)
            {
                if (session.Committing || session.LastTouched > cutoff || session.Check.State != CheckState.Open)
                {
                    continue;
                }

                session.Check.State = CheckState.Cancelled;
                _open.TryRemove(checkId, out _);
                _store.DeleteOpenCheck(checkId);
                cancelled++;
            }
        }

        return cancelled;
    }

    public Check AddLine(AddLineRequest request)
    {
        Shared(() => SaleValidator.Text("sku", request.Sku ?? string.Empty, SaleLimits.MaxCodeLength));
        Text(request.Name, "name");
        if (string.IsNullOrWhiteSpace(request.Category))
        {
            throw ApiError.Invalid("category: is required (e.g. \"lab_diagnostics\", \"goods\")");
        }

        Shared(() => SaleValidator.Id("category", request.Category));
        if (_estimator.ValidateCategory(request.Category) is { } categoryError)
        {
            throw ApiError.Invalid($"category: {categoryError}");
        }

        if (request.UnitPriceMinor < 0)
        {
            throw ApiError.Invalid($"unit_price_minor: {request.UnitPriceMinor} is negative; enter the price in minor units (e.g. 150000 for 1,500.00)");
        }

        if (request.UnitPriceMinor > MaxUnitPriceMinor)
        {
            throw ApiError.Invalid($"unit_price_minor: {request.UnitPriceMinor} is too large (at most {MaxUnitPriceMinor})");
        }

        if (request.Quantity is < 1 or > MaxQuantity)
        {
            throw ApiError.Invalid($"quantity: {request.Quantity} must be 1..{MaxQuantity}");
        }

        var gross = request.UnitPriceMinor * request.Quantity;
        if (request.DiscountMinor < 0 || request.DiscountMinor > gross)
        {
            throw ApiError.Invalid($"discount_minor: {request.DiscountMinor} must be 0..{gross} (the line's price times quantity)");
        }

        var session = OpenSession(request.CheckId);
        lock (session.Gate)
        {
            EnsureEditable(session);
            if (session.Check.Lines.Count >= MaxLines)
            {
                throw ApiError.Precondition($"the check already has {MaxLines} lines; commit it and open another");
            }

            var line = new CheckLine
            {
                LineId = session.NextLineId(),
                Sku = request.Sku,
                Name = request.Name,
                Category = request.Category,
                UnitPriceMinor = request.UnitPriceMinor,
                Quantity = request.Quantity,
                DiscountMinor = request.DiscountMinor,
                Discounted = request.Discounted || request.DiscountMinor > 0,
                Promotional = request.Promotional,
                TotalMinor = gross - request.DiscountMinor,
            };
            session.Check.Lines.Add(line);
            session.Check.TotalMinor += line.TotalMinor;
            session.Changed();
            Keep(session);
            return session.Check.Clone();
        }
    }

    public Check RemoveLine(RemoveLineRequest request)
    {
        var session = OpenSession(request.CheckId);
        lock (session.Gate)
        {
            EnsureEditable(session);
            var line = session.Check.Lines.FirstOrDefault(l => l.LineId == request.LineId)
                ?? throw ApiError.Invalid($"line_id: the check has no line '{request.LineId}'");
            session.Check.Lines.Remove(line);
            session.Check.TotalMinor -= line.TotalMinor;
            session.Changed();
            Keep(session);
            return session.Check.Clone();
        }
    }

    public async Task<Check> AttachCardAsync(AttachCardRequest request, string via, CancellationToken cancellationToken)
    {
        var number = request.CardNumber?.Trim() ?? string.Empty;
        ValidateCardNumber(number);
        var session = OpenSession(request.CheckId);
        lock (session.Gate)
        {
            EnsureEditable(session);
        }

        var (snapshot, fromCentral) = await LookUpCardAsync(number, cancellationToken).ConfigureAwait(false);
        RefuseUnusable(snapshot);
        CardSummary summary;
        lock (session.Gate)
        {
            EnsureEditable(session);
            session.CardNumber = number;
            session.Card = snapshot;
            session.CardFromCentral = fromCentral;
            session.Changed();
            summary = Summarize(snapshot, fromCentral);
            session.Check.Card = summary;
            var program = _estimator.FindProgram(snapshot.ProgramId);
            session.Check.Currency = program?.Currency ?? string.Empty;
            Keep(session);
        }

        _events.Publish(new AgentEvent { CardAttached = new CardAttachedEvent { CheckId = request.CheckId, Card = summary, Via = via } });
        lock (session.Gate)
        {
            return session.Check.Clone();
        }
    }

    public Check DetachCard(DetachCardRequest request)
    {
        var session = OpenSession(request.CheckId);
        lock (session.Gate)
        {
            EnsureEditable(session);
            session.CardNumber = null;
            session.Card = null;
            session.Check.Card = null;
            session.Changed();
            Keep(session);
            return session.Check.Clone();
        }
    }

    public Check Get(GetCheckRequest request)
    {
        if (_open.TryGetValue(request.CheckId ?? string.Empty, out var session))
        {
            lock (session.Gate)
            {
                return session.Check.Clone();
            }
        }

        return _store.FindSale(request.CheckId, null)?.Check
            ?? throw ApiError.Invalid($"check_id: no check '{request.CheckId}' on this terminal (open a check first)");
    }

    public Check Cancel(CancelCheckRequest request)
    {
        var session = OpenSession(request.CheckId);
        lock (session.Gate)
        {
            EnsureEditable(session);
            session.Check.State = CheckState.Cancelled;
            _open.TryRemove(request.CheckId, out _);
            _store.DeleteOpenCheck(request.CheckId);
            return session.Check.Clone();
        }
    }

    private QuoteResponse QuoteCore(QuoteRequest request)
    {
        PromoCode(request.PromoCode);
        var session = OpenSession(request.CheckId);
        lock (session.Gate)
        {
            var check = session.Check;
            // A discount-card account (INV-HP-R2) pays the total less its discount.
            var discount = DiscountOf(session);
            var payment = request.Payment is null || IsEmpty(request.Payment) ? new PaymentSplit { CashMinor = check.TotalMinor - discount } : request.Payment;
            ValidateParts(payment);
            if (discount > 0)
            {
                CheckPaid(session, payment, discount);
            }

            var (estimate, program, offlineCapped) = Estimate(session, payment, request.PromoCode, request.DiscountCard, Guid.CreateVersion7().ToString(), spendingLimit: true);
            return new QuoteResponse
            {
                CheckId = check.CheckId,
                PointsToEarn = estimate.PointsToEarn,
                Explanation = { estimate.Explanation },
                MaxPointsSpendable = offlineCapped.Max,
                BindingLimit = offlineCapped.Binding,
                BindingLimitDescription = offlineCapped.Description,
                Card = session.Card is null ? null : Summarize(session.Card, session.CardFromCentral),
                ProgramId = program?.ProgramId ?? string.Empty,
                ProgramVersion = estimate.ProgramVersion,
                Source = IsEstimateOnly(session) ? DataSource.OfflineEstimate : DataSource.Central,
                MinorPerPoint = program?.MinorPerPoint ?? 100,
                TotalMinor = check.TotalMinor,
                DiscountMinor = discount,
            };
        }
    }

    private async Task<CommitResponse> CommitCoreAsync(CommitRequest request, StrongBox<bool> committedOffline, CancellationToken cancellationToken)
    {
        PromoCode(request.PromoCode);
        var session = OpenSession(request.CheckId);
        var payment = request.Payment ?? throw ApiError.Invalid("payment: is required (how the check is paid: cash, bank card, points, legal entity, insurance)");
        SaleEstimate estimate;
        ProgramInfo? program;
        (long Max, string Binding, string Description) limit;
        string? cardNumber;
        Loyalty.CardSnapshot? card;
        long discount;
        // A check is committed once, so its id (a UUIDv7 too) names the sale: the agent keeps the
        // committed check in the sale's outbox row and finds it by that id with no other index.
        var operationId = session.Check.CheckId;
        // One commit per card at a time on this terminal: each is judged with the ones before it
        // already in the outbox (their spends and orders count), never beside them.
        string? gateCard;
        lock (session.Gate)
        {
            gateCard = session.CardNumber;
        }

        using var cardTurn = gateCard is null ? null : await _cardGate.EnterAsync(gateCard, cancellationToken).ConfigureAwait(false);
        lock (session.Gate)
        {
            EnsureEditable(session);
            if (session.CardNumber != gateCard)
            {
                throw ApiError.Precondition("the check's card changed while it was being paid; commit again");
            }

            if (session.Check.Lines.Count == 0)
            {
                throw ApiError.Precondition("the check has no lines; add the items before paying");
            }

            ValidateParts(payment);
            cardNumber = session.CardNumber;
            card = session.Card;
            var minorPerPoint = ProgramOf(session)?.MinorPerPoint ?? 100;
            discount = DiscountOf(session);
            CheckPaid(session, payment, discount);

            // What the central service will be sent, checked by the rules it applies: a sale it
            // would refuse for its form is refused here, before anything is acknowledged.
            if (session.CardNumber is not null)
            {
                var form = SaleOf(session, payment, minorPerPoint, request.PromoCode, request.DiscountCard, null);
                Shared(() => SaleValidator.Sale("sale", form));
            }
            (estimate, program, limit) = Estimate(session, payment, request.PromoCode, request.DiscountCard, operationId, spendingLimit: payment.Points > 0);

            if (payment.Points > 0)
            {
                if (card is null)
                {
                    throw ApiError.Precondition("payment.points: attach the member's loyalty card before paying with points");
                }

                if (payment.Points > estimate.MaxSpendable)
                {
                    throw ApiError.Precondition($"payment.points: at most {estimate.MaxSpendable} points can be spent on this check ({estimate.BindingDescription}); lower the points part");
                }
            }

            session.Committing = true;
        }

        string? heldAuthorization = null;
        try
        {
            var (authorization, authorizationId, offlinePoints) = await AuthorizeAsync(session, cardNumber, card, payment, limit, cancellationToken).ConfigureAwait(false);
            heldAuthorization = authorization == RedemptionAuthorization.Online ? authorizationId : null;
            var unsyncedSpent = cardNumber is null ? 0 : _store.UnsyncedSpendsOf(cardNumber).Sum(u => u.Points);
            lock (session.Gate)
            {
                var offline = authorization == RedemptionAuthorization.OfflineAllowance || IsEstimateOnly(session);
                var now = _time.GetUtcNow();
                var sale = SaleOf(session, payment, program?.MinorPerPoint ?? 100, request.PromoCode, request.DiscountCard, authorizationId);
                var transaction = new Loyalty.TerminalTransaction
                {
                    TransactionId = operationId,
                    BusinessTime = Timestamp.FromDateTimeOffset(now),
                    CardNumber = cardNumber ?? string.Empty,
                    TerminalId = _options.TerminalId,
                    Offline = offline,
                    Sale = sale,
                    TraceParent = AgentTracing.TraceParentOf(Activity.Current),
                };
                committedOffline.Value = offline;
                var committed = session.Check.Clone();
                committed.State = CheckState.Committed;
                committed.OperationId = operationId;
                var earned = cardNumber is null ? 0 : estimate.PointsToEarn;
                _store.Commit(
                    new OutboxOperation(operationId, "sale", cardNumber, now, transaction, offline, earned, payment.Points) { LocalOnly = cardNumber is null },
                    committed,
                    offlinePoints);
                // The session's own copy says committed too (not MergeFrom: it would append the lines again).
                session.Check.State = CheckState.Committed;
                session.Check.OperationId = operationId;
                heldAuthorization = null; // the sale quotes it now: the central service consumes the hold
                _open.TryRemove(committed.CheckId, out _);
                _commitLog.Add("sale", operationId, cardNumber, offline);
                _sync.Poke();
                // The snapshot does not yet show this terminal's earlier unsynced spends.
                var balance = (card?.Balance?.Balance ?? 0) - unsyncedSpent;
                return new CommitResponse
                {
                    OperationId = operationId,
                    Check = committed,
                    PointsEarned = earned,
                    PointsSpent = payment.Points,
                    BalanceAfter = card is null ? 0 : balance - payment.Points + earned,
                    Tier = estimate.Tier,
                    Pending = offline && cardNumber is not null,
                    Explanation = { estimate.Explanation },
                    Redemption = authorization,
                    DiscountMinor = discount,
                };
            }
        }
        finally
        {
            lock (session.Gate)
            {
                session.Committing = false;
            }

            if (heldAuthorization is not null)
            {
                // Authorized but not committed: give the points back now rather than at the hold's expiry.
                await ReleaseQuietlyAsync(heldAuthorization).ConfigureAwait(false);
            }
        }
    }

    private async Task ReleaseQuietlyAsync(string authorizationId)
    {
        try
        {
            await _central.TryCallAsync((c, ct) => c.ReleaseRedemptionAsync(new Loyalty.ReleaseRedemptionRequest { AuthorizationId = authorizationId }, ct), _options.Sync.OnlineBudget, CancellationToken.None).ConfigureAwait(false);
        }
        catch (RpcException)
        {
            // The hold expires on its own (the central service's redemption hold TTL).
        }
    }

    private RefundResponse RefundCore(RefundRequest request, StrongBox<bool> committedOffline)
    {
        Text(request.Reason, "reason");
        if (string.IsNullOrEmpty(request.CheckId) && string.IsNullOrEmpty(request.OperationId))
        {
            throw ApiError.Invalid("check_id or operation_id: give the committed sale to refund");
        }

        // One refund at a time per terminal keeps "what is left to refund" exact.
        lock (_refundGate)
        {
            var (check, saleOperationId) = _store.FindSale(request.CheckId, request.OperationId)
                ?? throw ApiError.Invalid($"no committed sale '{(string.IsNullOrEmpty(request.CheckId) ? request.OperationId : request.CheckId)}' on this terminal; check the receipt's check number");
            // Both given and naming two sales: refusing is safer than refunding one of them silently.
            if (request.CheckId is { Length: > 0 } && request.OperationId is { Length: > 0 } && request.OperationId != saleOperationId)
            {
                throw ApiError.Invalid($"operation_id: '{request.OperationId}' is not the sale of check '{check.CheckId}'; give the check id or the operation id, or both of the same sale");
            }

            if (check.State is not (CheckState.Committed or CheckState.PartiallyRefunded))
            {
                throw ApiError.Precondition($"check {check.CheckId} is {check.State}: nothing is left to refund");
            }

            var refundLines = new List<(CheckLine Line, int Quantity)>();
            if (request.Lines.Count == 0)
            {
                refundLines.AddRange(check.Lines.Where(l => l.Quantity > l.RefundedQuantity).Select(l => (l, l.Quantity - l.RefundedQuantity)));
            }
            else
            {
                foreach (var wanted in request.Lines)
                {
                    var line = check.Lines.FirstOrDefault(l => l.LineId == wanted.LineId)
                        ?? throw ApiError.Invalid($"lines: the sale has no line '{wanted.LineId}'");
                    var left = line.Quantity - line.RefundedQuantity - refundLines.Where(r => r.Line == line).Sum(r => r.Quantity);
                    if (wanted.Quantity < 1 || wanted.Quantity > left)
                    {
                        throw ApiError.Invalid($"lines: line '{wanted.LineId}' quantity {wanted.Quantity} must be 1..{left} (what is left unrefunded)");
                    }

                    refundLines.Add((line, wanted.Quantity));
                }
            }

            if (refundLines.Count == 0)
            {
                throw ApiError.Precondition($"check {check.CheckId}: nothing is left to refund");
            }

            var refundMinor = refundLines.Sum(r => r.Line.TotalMinor * r.Quantity / r.Line.Quantity);
            var (earned, spent) = SaleFigures(saleOperationId);
            var share = check.TotalMinor == 0 ? 0m : (decimal)refundMinor / check.TotalMinor;
            var takenBack = (long)Math.Floor(earned * share);
            var returned = (long)Math.Floor(spent * share);
            var operationId = Guid.CreateVersion7().ToString();
            var now = _time.GetUtcNow();
            var refund = new Loyalty.Refund { OriginalTransactionId = saleOperationId };
            if (request.Lines.Count > 0)
            {
                refund.Lines.AddRange(refundLines.Select(r => new Loyalty.RefundLine { LineId = r.Line.LineId, Quantity = r.Quantity }));
            }

            var updated = check.Clone();
            foreach (var (line, quantity) in refundLines)
            {
                updated.Lines.First(l => l.LineId == line.LineId).RefundedQuantity += quantity;
            }

            updated.State = updated.Lines.All(l => l.RefundedQuantity == l.Quantity) ? CheckState.Refunded : CheckState.PartiallyRefunded;
            var cardNumber = SaleCard(saleOperationId);
            var transaction = new Loyalty.TerminalTransaction
            {
                TransactionId = operationId,
                BusinessTime = Timestamp.FromDateTimeOffset(now),
                CardNumber = cardNumber ?? string.Empty,
                TerminalId = _options.TerminalId,
                Offline = !_connectivity.MayCallCentral,
                Refund = refund,
                TraceParent = AgentTracing.TraceParentOf(Activity.Current),
            };
            committedOffline.Value = transaction.Offline;
            _store.Commit(new OutboxOperation(operationId, "refund", cardNumber, now, transaction, transaction.Offline, -takenBack, -returned) { LocalOnly = cardNumber is null }, updated, 0);
            _commitLog.Add("refund", operationId, cardNumber, transaction.Offline);
            _sync.Poke();
            return new RefundResponse
            {
                RefundOperationId = operationId,
                Check = updated,
                RefundMinor = refundMinor,
                PointsTakenBack = takenBack,
                PointsReturned = returned,
                Pending = cardNumber is not null,
            };
        }
    }

    private readonly Lock _refundGate = new();

    /// <summary>Central's figures for a synced sale, else the agent's estimate.</summary>
    private (long Earned, long Spent) SaleFigures(string operationId)
    {
        var row = _store.FindOperation(operationId);
        if (row is null)
        {
            return (0, 0);
        }

        if (row.State == OutboxState.Synced && row.Result is { } bytes)
        {
            var result = Loyalty.TransactionResult.Parser.ParseFrom(bytes);
            return (result.PointsEarned, result.PointsSpent);
        }

        return (row.EstimatedEarned, row.EstimatedSpent);
    }

    private string? SaleCard(string operationId) => _store.FindOperation(operationId)?.CardNumber;

    private async Task<(RedemptionAuthorization Authorization, string? AuthorizationId, long OfflinePoints)> AuthorizeAsync(
        CheckSession session, string? cardNumber, Loyalty.CardSnapshot? card, PaymentSplit payment, (long Max, string Binding, string Description) offlineLimit, CancellationToken cancellationToken)
    {
        if (payment.Points == 0 || cardNumber is null || card is null)
        {
            return (RedemptionAuthorization.None, null, 0);
        }

        var authorizationId = Guid.CreateVersion7().ToString();
        var request = new Loyalty.AuthorizeRedemptionRequest
        {
            CardNumber = cardNumber,
            Points = payment.Points,
            BusinessTime = Timestamp.FromDateTimeOffset(_time.GetUtcNow()),
            AuthorizationId = authorizationId,
        };
        lock (session.Gate)
        {
            request.Lines.AddRange(session.Check.Lines.Select(ToSaleLine));
        }

        (bool Answered, Loyalty.AuthorizeRedemptionResponse? Value, string? Reason) answer;
        try
        {
            answer = await _central.TryCallAsync((c, ct) => c.AuthorizeRedemptionAsync(request, ct), _options.Sync.OnlineBudget, cancellationToken).ConfigureAwait(false);
        }
        catch (RpcException ex) when (CentralGateway.Classify(ex) is FailureKind.Permanent or FailureKind.Credentials)
        {
            // The central service could not judge it (e.g. it does not know the card yet): the offline rules decide.
            answer = (false, null, CentralGateway.Describe(ex));
        }

        if (answer is { Answered: true, Value: { } response })
        {
            if (!response.Authorized)
            {
                var why = response.Rejection?.Message is { Length: > 0 } m ? m : "the central service refused to spend these points";
                throw ApiError.Precondition($"payment.points: {why} (at most {response.MaxSpendable} points on this check)");
            }

            return (RedemptionAuthorization.Online, response.AuthorizationId is { Length: > 0 } id ? id : authorizationId, 0);
        }

        if (payment.Points > offlineLimit.Max)
        {
            throw ApiError.Precondition($"payment.points: the central service cannot be reached ({answer.Reason}); offline at most {offlineLimit.Max} points can be spent on this card ({offlineLimit.Description})");
        }

        return (RedemptionAuthorization.OfflineAllowance, null, payment.Points);
    }

    private (SaleEstimate Estimate, ProgramInfo? Program, (long Max, string Binding, string Description) Limit) Estimate(
        CheckSession session, PaymentSplit payment, string? promoCode, bool discountCard, string transactionId, bool spendingLimit)
    {
        var card = session.Card;
        if (card is null || session.CardNumber is null)
        {
            var none = new SaleEstimate(0, [], 0, "no_card", "attach a loyalty card to earn or spend points", string.Empty, string.Empty, 0);
            return (none, null, (0, none.BindingLimit, none.BindingDescription));
        }

        var program = _estimator.FindProgram(card.ProgramId) ?? _estimator.ProgramForCard(session.CardNumber);
        if (program is null)
        {
            var unknown = new SaleEstimate(0, [], 0, "program_unavailable", "the card's program is not loaded on this terminal yet", string.Empty, card.Balance?.Tier ?? string.Empty, card.Balance?.Usable ?? 0);
            return (unknown, null, (0, unknown.BindingLimit, unknown.BindingDescription));
        }

        // A commit usually follows a quote of the same basket and payment: the engine's answer is reused.
        // This terminal's points-paying sales on the card that the snapshot cannot contain yet.
        var unsyncedVersion = _store.UnsyncedVersion;
        SaleEstimate estimate;
        if (session.LastEstimate is { } last && last.Version == session.Version && last.Payment.Equals(payment) && last.PromoCode == (promoCode ?? string.Empty) && last.DiscountCard == discountCard
            && last.Unsynced == unsyncedVersion && last.Estimate is SaleEstimate reusable)
        {
            estimate = reusable;
        }
        else
        {
            var sale = SaleOf(session, payment, program.MinorPerPoint, promoCode, discountCard, null);
            var input = new EstimateInput(program.ProgramId, card, sale, _time.GetUtcNow(), transactionId) { Unsynced = _store.UnsyncedSpendsOf(session.CardNumber) };
            estimate = _estimator.EstimateSale(input);
            session.LastEstimate = (session.Version, payment.Clone(), promoCode ?? string.Empty, discountCard, unsyncedVersion, estimate);
        }

        var limit = (estimate.MaxSpendable, estimate.BindingLimit, estimate.BindingDescription);
        if (card.State != Loyalty.CardState.Active)
        {
            limit = (0, "card_state", $"the card is {card.State}");
        }
        else if (spendingLimit && IsEstimateOnly(session))
        {
            // Only when points are being spent (or quoted): it reads this terminal's unconfirmed
            // offline spending, which a cash commit does not need to wait for.
            var left = OfflineAllowanceLeft(session.CardNumber, card, program);
            if (left < limit.MaxSpendable)
            {
                limit = (left, "offline_allowance", $"offline, at most {left} more points on this card until the connection returns");
            }
        }

        return (estimate, program, limit);
    }

    /// <summary>
    /// The discount of the attached card's discount-card mode (INV-HP-R2) on the check, as the
    /// rules engine computes it from the cached account state: the central service applies the
    /// same engine to the same sale, so both take the same amount off. 0 for a bonus card.
    /// </summary>
    private long DiscountOf(CheckSession session)
    {
        if (session.Card is not { } card || session.CardNumber is null || session.Check.Lines.Count == 0 || ProgramOf(session) is not { } program)
        {
            return 0;
        }

        var sale = SaleOf(session, new PaymentSplit(), program.MinorPerPoint, null, false, null);
        return _estimator.DiscountOf(new EstimateInput(program.ProgramId, card, sale, _time.GetUtcNow(), "discount:" + session.Check.CheckId));
    }

    /// <summary>The payment parts must add up to the check's total less a discount card's discount.</summary>
    private void CheckPaid(CheckSession session, PaymentSplit payment, long discount)
    {
        var minorPerPoint = ProgramOf(session)?.MinorPerPoint ?? 100;
        // Each part is at most SaleLimits.MaxAmountMinor (ValidateParts), so the sum cannot overflow.
        var paid = payment.CashMinor + payment.BankCardMinor + payment.LegalEntityMinor + payment.InsuranceMinor + checked(payment.Points * minorPerPoint);
        var due = session.Check.TotalMinor - discount;
        if (paid != due)
        {
            var what = discount > 0 ? $"the check total {session.Check.TotalMinor} less the discount card's {discount} is {due}" : $"the check total is {session.Check.TotalMinor}";
            throw ApiError.Invalid($"payment: the parts add up to {paid} but {what} (minor units; one point pays {minorPerPoint})");
        }
    }

    private bool IsEstimateOnly(CheckSession session) => !session.CardFromCentral || !_connectivity.MayCallCentral;

    private long OfflineAllowanceLeft(string cardNumber, Loyalty.CardSnapshot card, ProgramInfo? program)
    {
        var allowance = card.OfflineRedemptionAllowance > 0 ? card.OfflineRedemptionAllowance : program?.OfflineAllowance ?? 0;
        var usable = card.Balance?.Usable ?? 0;
        var spentOffline = _store.UnconfirmedOfflinePoints(cardNumber);
        return Math.Max(0, Math.Min(allowance, usable) - spentOffline);
    }

    private async Task<(Loyalty.CardSnapshot Snapshot, bool FromCentral)> LookUpCardAsync(string number, CancellationToken cancellationToken)
    {
        (bool Answered, Loyalty.CardSnapshot? Value, string? Reason) answer;
        try
        {
            answer = await _central.TryCallAsync((c, ct) => c.GetCardSnapshotAsync(new Loyalty.GetCardSnapshotRequest { CardNumber = number }, ct), _options.Sync.OnlineBudget, cancellationToken).ConfigureAwait(false);
        }
        catch (RpcException ex) when (ex.StatusCode == StatusCode.NotFound)
        {
            throw ApiError.Invalid($"card_number: card {Masking.Card(number)} is not registered; check the number or register the member");
        }
        catch (RpcException ex) when (ex.StatusCode == StatusCode.InvalidArgument)
        {
            throw ApiError.Invalid($"card_number: {ex.Status.Detail}");
        }
        catch (RpcException ex) when (CentralGateway.Classify(ex) is FailureKind.Permanent or FailureKind.Credentials)
        {
            answer = (false, null, CentralGateway.Describe(ex));
        }

        if (answer is { Answered: true, Value: { } snapshot })
        {
            _cards.Put(snapshot);
            return (snapshot, true);
        }

        if (_cards.Find(number) is { } cached)
        {
            return (cached, false);
        }

        // Unknown here and the central service cannot be asked: the sale goes through with its
        // facts queued (the central service computes the points); no points can be spent.
        return (UnknownCard(number), false);
    }

    private Loyalty.CardSnapshot UnknownCard(string number) => new()
    {
        CardNumber = number,
        ProgramId = _estimator.ProgramForCard(number)?.ProgramId ?? string.Empty,
        State = Loyalty.CardState.Unspecified,
        Balance = new Loyalty.BalanceInfo(),
    };

    private static void RefuseUnusable(Loyalty.CardSnapshot snapshot)
    {
        var masked = Masking.Card(snapshot.CardNumber);
        switch (snapshot.State)
        {
            case Loyalty.CardState.Blocked:
                throw ApiError.Precondition($"card {masked} is blocked; it cannot be used (the member should contact the program's office)");
            case Loyalty.CardState.Replaced:
                throw ApiError.Precondition($"card {masked} was replaced by card {Masking.Card(snapshot.ReplacedByCardNumber)}; use the new card");
            case Loyalty.CardState.Annulled:
                throw ApiError.Precondition($"card {masked} is annulled; it cannot be used");
            case Loyalty.CardState.Expired:
                throw ApiError.Precondition($"card {masked} has expired; the member may extend it at the registrar desk");
        }
    }

    /// <summary>A cached card's figures at another instant, from its cached account state (offline balance as of a date).</summary>
    public PosAgent.Rules.AccountSummary? SummarizeAt(Loyalty.CardSnapshot snapshot, DateTimeOffset at) => _estimator.SummarizeAt(snapshot, at);

    public CardSummary Summarize(Loyalty.CardSnapshot snapshot, bool fromCentral)
    {
        var program = _estimator.FindProgram(snapshot.ProgramId);
        return new CardSummary
        {
            MaskedNumber = Masking.Card(snapshot.CardNumber),
            ProgramId = snapshot.ProgramId,
            Tier = snapshot.Balance?.Tier ?? string.Empty,
            State = snapshot.State switch
            {
                Loyalty.CardState.Active => CardState.Active,
                Loyalty.CardState.Blocked => CardState.Blocked,
                Loyalty.CardState.Replaced => CardState.Replaced,
                Loyalty.CardState.Annulled => CardState.Annulled,
                Loyalty.CardState.Expired => CardState.Expired,
                _ => CardState.Unknown,
            },
            Balance = snapshot.Balance?.Balance ?? 0,
            Usable = snapshot.Balance?.Usable ?? 0,
            Pending = snapshot.Balance?.Pending ?? 0,
            OfflineAllowanceLeft = snapshot.State == Loyalty.CardState.Active ? OfflineAllowanceLeft(snapshot.CardNumber, snapshot, program) : 0,
            Source = fromCentral ? DataSource.Central : DataSource.OfflineEstimate,
            AsOf = snapshot.AsOf,
            DiscountCardMode = snapshot.Mode == Loyalty.AccountMode.DiscountCard,
            DiscountLevel = snapshot.Mode == Loyalty.AccountMode.DiscountCard ? snapshot.DiscountLevel : string.Empty,
        };
    }

    private void ValidateCardNumber(string number)
    {
        if (number.Length == 0)
        {
            throw ApiError.Invalid("card_number: is required (scan the card or type the number printed on it)");
        }

        if (number.Length is < 4 or > 32 || !number.All(char.IsAsciiDigit))
        {
            throw ApiError.Invalid($"card_number: '{Masking.Card(number)}' is not a card number (4..32 digits expected); check the digits");
        }

        if (_estimator.Programs.Count > 0 && _estimator.ProgramForCard(number) is null)
        {
            throw ApiError.Invalid($"card_number: {Masking.Card(number)} is not a valid card of any program on this terminal (wrong length, prefix or check digit); check the digits");
        }
    }

    private CheckSession OpenSession(string? checkId)
    {
        if (string.IsNullOrEmpty(checkId))
        {
            throw ApiError.Invalid("check_id: is required (open a check first)");
        }

        if (_open.TryGetValue(checkId, out var session))
        {
            return session;
        }

        if (_store.FindSale(checkId, null) is { } committed)
        {
            throw ApiError.Precondition($"check {checkId} is already {committed.Check.State}; open a new check");
        }

        throw ApiError.Invalid($"check_id: no open check '{checkId}' on this terminal (it was never opened, or was cancelled)");
    }

    private static void EnsureEditable(CheckSession session)
    {
        if (session.Committing)
        {
            throw ApiError.Precondition($"check {session.Check.CheckId} is being paid right now; wait for the payment to finish");
        }

        if (session.Check.State != CheckState.Open)
        {
            throw ApiError.Precondition($"check {session.Check.CheckId} is {session.Check.State}; open a new check");
        }
    }

    private static void ValidateParts(PaymentSplit payment)
    {
        Part(payment.CashMinor, "payment.cash_minor");
        Part(payment.BankCardMinor, "payment.bank_card_minor");
        Part(payment.Points, "payment.points");
        Part(payment.LegalEntityMinor, "payment.legal_entity_minor");
        Part(payment.InsuranceMinor, "payment.insurance_minor");
    }

    private static void Part(long value, string name)
    {
        if (value < 0)
        {
            throw ApiError.Invalid($"{name}: {value} is negative; every part of the payment must be 0 or more");
        }

        // Bounded parts: their sum (and the points' worth) cannot overflow.
        if (value > SaleLimits.MaxAmountMinor)
        {
            throw ApiError.Invalid($"{name}: {value} is too large (at most {SaleLimits.MaxAmountMinor})");
        }
    }

    private static void PromoCode(string? value) => Shared(() => SaleValidator.Text("promo_code", value ?? string.Empty, SaleLimits.MaxCodeLength));

    /// <summary>The shared sale rules' refusal, as the local API's INVALID_ARGUMENT naming the field.</summary>
    private static void Shared(Action validate)
    {
        try
        {
            validate();
        }
        catch (SaleValidationException ex)
        {
            throw ApiError.Invalid(ex.Message);
        }
    }

    private ProgramInfo? ProgramOf(CheckSession session) =>
        session.Card is null || session.CardNumber is null ? null : _estimator.FindProgram(session.Card.ProgramId) ?? _estimator.ProgramForCard(session.CardNumber);

    /// <summary>The sale as the central service gets it: the check's lines and the payment parts.</summary>
    private static Loyalty.Sale SaleOf(CheckSession session, PaymentSplit payment, long minorPerPoint, string? promoCode, bool discountCard, string? authorizationId)
    {
        var sale = new Loyalty.Sale { PromoCode = promoCode ?? string.Empty, AuthorizationId = authorizationId ?? string.Empty, DiscountCardUsed = discountCard };
        sale.Lines.AddRange(session.Check.Lines.Select(ToSaleLine));
        AddPayment(sale, Loyalty.PaymentKind.Cash, payment.CashMinor);
        AddPayment(sale, Loyalty.PaymentKind.BankCard, payment.BankCardMinor);
        AddPayment(sale, Loyalty.PaymentKind.Points, payment.Points * minorPerPoint);
        AddPayment(sale, Loyalty.PaymentKind.LegalEntity, payment.LegalEntityMinor);
        AddPayment(sale, Loyalty.PaymentKind.Insurance, payment.InsuranceMinor);
        return sale;
    }

    private static bool IsEmpty(PaymentSplit p) => p.CashMinor == 0 && p.BankCardMinor == 0 && p.Points == 0 && p.LegalEntityMinor == 0 && p.InsuranceMinor == 0;

    private static Loyalty.SaleLine ToSaleLine(CheckLine line) => new()
    {
        LineId = line.LineId,
        Category = line.Category,
        Sku = line.Sku,
        UnitPriceMinor = line.UnitPriceMinor,
        Quantity = line.Quantity,
        DiscountMinor = line.DiscountMinor,
        Discounted = line.Discounted,
        Promotional = line.Promotional,
    };

    private static void AddPayment(Loyalty.Sale sale, Loyalty.PaymentKind kind, long amount)
    {
        if (amount > 0)
        {
            sale.Payments.Add(new Loyalty.Payment { Kind = kind, AmountMinor = amount });
        }
    }

    private static void Text(string? value, string field)
    {
        if (value is { Length: > MaxText })
        {
            throw ApiError.Invalid($"{field}: is {value.Length} characters long; at most {MaxText}");
        }
    }
}
