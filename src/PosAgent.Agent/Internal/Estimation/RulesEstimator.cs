using System.Collections.Concurrent;
using System.Globalization;
using PosAgent.Contracts.PosAgent.V1;
using PosAgent.Rules;
using PosAgent.Sales;
using Loyalty = PosAgent.Contracts.Loyalty.V1;

namespace PosAgent.Agent.Internal.Estimation;

/// <summary>
/// Estimates with the rules engine (PosAgent.Rules) on the cached program definitions and the
/// account state the central service sent with the card snapshot.
/// </summary>
internal sealed class RulesEstimator : IEstimator
{
    private readonly ConcurrentDictionary<string, (LoyaltyEngine Engine, ProgramInfo Info)> _programs = new(StringComparer.Ordinal);
    private readonly ConcurrentDictionary<string, (string Json, AccountState State)> _states = new(StringComparer.Ordinal);
    private readonly TimeProvider _time;

    public RulesEstimator(TimeProvider? time = null) => _time = time ?? TimeProvider.System;

    public IReadOnlyList<ProgramInfo> Programs => [.. _programs.Values.Select(p => p.Info).OrderBy(p => p.ProgramId, StringComparer.Ordinal)];

    public ProgramInfo? FindProgram(string programId) =>
        programId is { Length: > 0 } && _programs.TryGetValue(programId, out var p) ? p.Info : null;

    public ProgramInfo? ProgramForCard(string cardNumber)
    {
        foreach (var (engine, info) in _programs.Values)
        {
            if (engine.Program.Card.IsValid(cardNumber))
            {
                return info;
            }
        }

        return null;
    }

    public IReadOnlyList<PosAgent.Devices.Scanning.LoyaltyCardFormat> CardFormats() =>
        [.. _programs.Values.Select(p =>
        {
            var format = new PosAgent.Devices.Scanning.LoyaltyCardFormat
            {
                Name = p.Info.ProgramId,
                Length = p.Engine.Program.Card.Length,
                CheckDigit = p.Engine.Program.Card.CheckDigit switch
                {
                    CheckDigitAlgorithm.Luhn => PosAgent.Devices.Scanning.CardCheckDigit.Luhn,
                    CheckDigitAlgorithm.Ean13 => PosAgent.Devices.Scanning.CardCheckDigit.Ean13,
                    _ => PosAgent.Devices.Scanning.CardCheckDigit.None,
                },
            };
            foreach (var prefix in p.Engine.Program.Card.Prefixes)
            {
                format.Prefixes.Add(prefix);
            }

            return format;
        })];

    public string? ValidateCategory(string category)
    {
        if (_programs.IsEmpty)
        {
            return null;
        }

        foreach (var (engine, _) in _programs.Values)
        {
            if (engine.Program.Definition.Categories.Any(c => string.Equals(c.Id, category, StringComparison.Ordinal)))
            {
                return null;
            }
        }

        var known = _programs.Values.SelectMany(p => p.Engine.Program.Definition.Categories.Select(c => c.Id)).Distinct().Order(StringComparer.Ordinal);
        return $"'{category}' is not a category of the programs on this terminal; use one of: {string.Join(", ", known)}";
    }

    public ProgramInfo Load(string definitionJson, string sourceName, DateTimeOffset fetchedAt)
    {
        var program = LoyaltyProgram.Parse(definitionJson, sourceName);
        var info = new ProgramInfo(program.Id, program.Version, program.Currency, program.MinorUnitsPerUnit, program.OfflineRedemptionAllowance, fetchedAt);
        _programs[program.Id] = (new LoyaltyEngine(program, new LoyaltyEngineOptions { MaxBackdating = TimeSpan.FromDays(3650) }, _time), info);
        return info;
    }

    public SaleEstimate EstimateSale(EstimateInput input)
    {
        if (!_programs.TryGetValue(input.ProgramId, out var entry))
        {
            throw ApiError.Precondition($"program {input.ProgramId} is not loaded on this terminal");
        }

        var engine = entry.Engine;
        var state = WithUnsynced(engine, StateFor(engine, input.Card, input.At), input.Unsynced);
        SaleRequest request;
        try
        {
            request = SaleMapping.ToRequest(input.TransactionId, input.At, input.Sale, engine.Program.MinorUnitsPerUnit);
        }
        catch (LoyaltyRuleException ex)
        {
            throw ApiError.Invalid("payment.points: " + ex.Message);
        }

        SaleQuote quote;
        try
        {
            // The engine spends at most what the program allows and then checks the payments
            // against the rest: ask for the limit first, so more points than allowed is a clear
            // refusal by the caller rather than a payment mismatch.
            if (request.PointsToSpend > 0)
            {
                var limit = engine.Quote(state, request with { PointsToSpend = 0, Payments = [] });
                if (limit.MaxPointsToSpend < request.PointsToSpend)
                {
                    var (limitBinding, limitDescription) = Describe(limit, entry.Engine.Program);
                    return new SaleEstimate(limit.PointsToEarn, Explain(limit), limit.MaxPointsToSpend, limitBinding, limitDescription, limit.ProgramVersion, limit.TierId, limit.UsableBefore);
                }
            }

            quote = engine.Quote(state, request);
        }
        catch (LoyaltyRuleException ex)
        {
            throw ex.Code switch
            {
                LoyaltyErrorCode.AccountBlocked or LoyaltyErrorCode.AccountAnnulled or LoyaltyErrorCode.CardExpired or LoyaltyErrorCode.BurnLimitExceeded
                    or LoyaltyErrorCode.InsufficientPoints or LoyaltyErrorCode.CategoryNotRedeemable or LoyaltyErrorCode.PromoCodeWithPoints
                    or LoyaltyErrorCode.DiscountCardWithPoints or LoyaltyErrorCode.DailyRedemptionLimit or LoyaltyErrorCode.NotAccountOwner
                    => ApiError.Precondition(ex.Message),
                _ => ApiError.Invalid(ex.Message),
            };
        }

        var (binding, description) = Describe(quote, entry.Engine.Program);
        return new SaleEstimate(quote.PointsToEarn, Explain(quote), quote.MaxPointsToSpend, binding, description, quote.ProgramVersion, quote.TierId, quote.UsableBefore);
    }

    /// <summary>
    /// The snapshot's state with this terminal's unsynced spends taken out. One the snapshot
    /// already contains (it was applied before the snapshot was taken, the agent has not heard the
    /// answer yet) is not taken twice.
    /// </summary>
    private static AccountState WithUnsynced(LoyaltyEngine engine, AccountState state, IReadOnlyList<PosAgent.Agent.Internal.Storage.UnsyncedSpend> unsynced)
    {
        if (unsynced.Count == 0)
        {
            return state;
        }

        var applied = state.TransactionIds.ToHashSet(StringComparer.Ordinal);
        var promised = unsynced.Where(u => !applied.Contains(u.OperationId)).Select(u => new PromisedSpend(u.OperationId, u.At, u.Points)).ToList();
        return engine.WithPromised(state, promised);
    }

    public long DiscountOf(EstimateInput input)
    {
        if (!_programs.TryGetValue(input.ProgramId, out var entry))
        {
            return 0;
        }

        var state = StateFor(entry.Engine, input.Card, input.At);
        if (state.Mode != AccountMode.DiscountCard)
        {
            return 0;
        }

        try
        {
            var request = SaleMapping.ToRequest(input.TransactionId, input.At, input.Sale, entry.Engine.Program.MinorUnitsPerUnit);
            return entry.Engine.Quote(state, request with { PointsToSpend = 0, Payments = [] }).DiscountMinor;
        }
        catch (LoyaltyRuleException)
        {
            // The sale itself is refused by the estimate with the reason; no discount to show.
            return 0;
        }
    }

    public AccountSummary? SummarizeAt(Loyalty.CardSnapshot card, DateTimeOffset at)
    {
        if (card.AccountStateJson.Length == 0 || !_programs.TryGetValue(card.ProgramId, out var entry))
        {
            return null;
        }

        try
        {
            return entry.Engine.Summarize(StateFor(entry.Engine, card, at), at);
        }
        catch (LoyaltyRuleException)
        {
            return null;
        }
    }

    private static List<EarnExplanation> Explain(SaleQuote quote) =>
        [.. quote.Earn.Select(e => new EarnExplanation { RuleId = e.RuleId, Description = e.Description, Points = e.Points })];

    private AccountState StateFor(LoyaltyEngine engine, Loyalty.CardSnapshot card, DateTimeOffset at)
    {
        if (card.AccountStateJson.Length > 0)
        {
            if (_states.TryGetValue(card.CardNumber, out var cached) && ReferenceEquals(cached.Json, card.AccountStateJson))
            {
                return cached.State;
            }

            try
            {
                var state = AccountStateJson.Deserialize(card.AccountStateJson);
                _states[card.CardNumber] = (card.AccountStateJson, state);
                return state;
            }
            catch (LoyaltyRuleException)
            {
                // Fall through to a fresh account: an estimate is better than no sale.
            }
        }

        // A card the agent has no state for (offline, never seen): estimate as a new member;
        // the central service computes the real figures on sync.
        return engine.Enroll(new EnrollRequest
        {
            AccountId = "estimate:" + card.CardNumber,
            CardNumber = card.CardNumber,
            At = at,
            TransactionId = "estimate:" + card.CardNumber,
        }).State with { Lots = [] };
    }

    private static (string Binding, string Description) Describe(SaleQuote quote, LoyaltyProgram program)
    {
        var rule = quote.BindingRuleId is { Length: > 0 } r ? $" ({r})" : string.Empty;
        return quote.BindingLimit switch
        {
            BurnLimitKind.UsableBalance => ("usable_balance", $"the card has {quote.UsableBefore} usable points"),
            BurnLimitKind.BillShare => ("share_of_bill", $"the program's share of the bill payable with points{rule}"),
            BurnLimitKind.CategoryShare => ("category_share", $"the share payable with points for these categories{rule}"),
            BurnLimitKind.TierShare => ("tier_share", $"the share payable with points at tier {quote.TierId}{rule}"),
            BurnLimitKind.MaxPointsPerOrder => ("points_per_order", $"at most {quote.MaxPointsToSpend.ToString(CultureInfo.InvariantCulture)} points per order{rule}"),
            BurnLimitKind.DailyOrders => ("orders_per_day", $"the card already paid with points the most orders allowed today{rule}"),
            BurnLimitKind.NotRedeemable => ("category_excluded", $"these items cannot be paid with points{rule}"),
            BurnLimitKind.PromoCode => ("promo_code", $"a promo code and points cannot be combined{rule}"),
            BurnLimitKind.DiscountCard => ("discount_card", $"a discount card and points cannot be combined{rule}"),
            BurnLimitKind.NotOwner => ("not_owner", $"only the card's owner may spend its points{rule}"),
            BurnLimitKind.AccountNotBonus => ("not_bonus_account", $"the account is a discount-card account in {program.Id}{rule}"),
            _ => (quote.BindingLimit.ToString(), quote.BindingLimit.ToString()),
        };
    }
}
