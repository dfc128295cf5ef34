using System.Globalization;

namespace PosAgent.Rules.Internal;

/// <summary>Validates a <see cref="ProgramDefinition"/> and builds the compiled form; collects every problem.</summary>
internal sealed class ProgramCompiler
{
    private static readonly string[] LotKindNames = ["purchase", "welcome", "birthday", "gift", "promotion", "referral", "usefulAction", "adjustment"];

    private readonly List<ProgramFileError> _errors = [];
    private readonly ProgramDefinition _d;
    private Dictionary<string, int> _categoryIndex = new(StringComparer.Ordinal);
    private Dictionary<string, int> _tierIndex = new(StringComparer.Ordinal);
    private TimeSpan _offset;

    private ProgramCompiler(ProgramDefinition definition) => _d = definition;

    public static CompiledProgram Compile(ProgramDefinition definition, string source)
    {
        var c = new ProgramCompiler(definition);
        var compiled = c.Build();
        if (c._errors.Count > 0 || compiled is null)
        {
            throw new ProgramFileException(source, c._errors);
        }

        return compiled;
    }

    public static bool TryParseLotKind(string? name, out LotKind kind)
    {
        var i = Array.IndexOf(LotKindNames, name);
        kind = (LotKind)Math.Max(i, 0);
        return i >= 0;
    }

    public static string LotKindName(LotKind kind) => LotKindNames[(int)kind];

    private void Error(string path, string reason) => _errors.Add(new ProgramFileError(path, reason));

    private CompiledProgram? Build()
    {
        var d = _d;
        if (string.IsNullOrWhiteSpace(d.Id))
        {
            Error("$.id", "must not be empty");
        }

        if (string.IsNullOrWhiteSpace(d.Version))
        {
            Error("$.version", "must not be empty");
        }

        if (d.Currency is null || d.Currency.Length != 3)
        {
            Error("$.currency", "must be a 3-letter ISO 4217 code");
        }

        if (d.MinorUnitsPerUnit is < 1 or > 1_000_000)
        {
            Error("$.minorUnitsPerUnit", "must be between 1 and 1000000");
        }

        if (!TryParseOffset(d.UtcOffset, out _offset))
        {
            Error("$.utcOffset", $"'{d.UtcOffset}' is not an offset like +03:00");
        }

        if (d.OfflineRedemptionAllowance < 0)
        {
            Error("$.offlineRedemptionAllowance", "must not be negative");
        }

        var card = BuildCard(d.Card);
        var rounding = d.Rounding ?? new RoundingDefinition();
        var earnRounding = ParseRounding(rounding.Earn, "$.rounding.earn");
        var burnRounding = ParseRounding(rounding.BurnCap, "$.rounding.burnCap");
        var refundRounding = ParseRounding(rounding.Refund, "$.rounding.refund");
        var rewardRounding = ParseRounding(rounding.RewardDiscount, "$.rounding.rewardDiscount");
        var membership = d.Membership ?? new MembershipDefinition();
        if (membership.Enrolment is not ("explicit" or "firstOrder"))
        {
            Error("$.membership.enrolment", "must be \"explicit\" or \"firstOrder\"");
        }

        if (membership.MinQualifyingSpendMinor < 0)
        {
            Error("$.membership.minQualifyingSpendMinor", "must not be negative");
        }

        var categories = BuildCategories(d.Categories);
        var tiers = BuildTiers(d.Tiers, out var basis, out var nextDay, out var statusWindow, out var statusKinds);
        var lotKinds = BuildLotKinds(d.LotKinds);
        var earn = d.Earn;
        var earnRules = earn is null ? [] : BuildEarnRules(earn.Rules);
        if (earn?.Accrual == "monthlyBatch" && earnRules.Select(r => r.Id).Distinct(StringComparer.Ordinal).Count() != earnRules.Length)
        {
            Error("$.earn.rules", "with monthly batch accrual each earn rule needs its own id (the batch sums per rule)");
        }

        if (earn is null)
        {
            Error("$.earn", "is required");
        }

        var builder = new BurnBuilder();
        BuildBurn(d.Burn, builder);
        var refund = d.Refund ?? new RefundDefinition();
        var shortfall = refund.Shortfall switch
        {
            "debt" => ShortfallPolicy.Debt,
            "forgive" => ShortfallPolicy.Forgive,
            _ => Fail(ShortfallPolicy.Debt, "$.refund.shortfall", "must be \"debt\" or \"forgive\""),
        };
        var returnDelay = ParsePeriod(refund.ReturnDelay, "$.refund.returnDelay", allowNever: false);
        Period? window = refund.Window is null ? null : ParsePeriod(refund.Window, "$.refund.window", allowNever: false);
        var events = BuildEvents(d.Events ?? []);
        var catalog = BuildCatalog(d.Catalog);
        var decaySteps = BuildDecay(d.Decay);
        var discountLevels = BuildDiscount(d.DiscountCard, out var discountExcluded);

        var nonEarningMask = 0;
        string? nonEarningRule = null, discountedRule = null, promoRule = null, cardRule = null, ownerRule = null, pointsPartRule = null;
        if (earn is not null)
        {
            if (earn.Accrual is not ("immediate" or "monthlyBatch"))
            {
                Error("$.earn.accrual", "must be \"immediate\" or \"monthlyBatch\"");
            }

            if (earn.BatchDayOfMonth is < 1 or > 28)
            {
                Error("$.earn.batchDayOfMonth", "must be between 1 and 28");
            }

            for (var i = 0; i < (earn.Exclusions ?? []).Count; i++)
            {
                var x = earn.Exclusions![i];
                var path = $"$.earn.exclusions[{i}]";
                CheckRuleId(x.Rule, path + ".rule");
                switch (x.Kind)
                {
                    case "discountedLines": discountedRule = x.Rule; break;
                    case "promotionalLines": promoRule = x.Rule; break;
                    case "cardNotPresented": cardRule = x.Rule; break;
                    case "recipientNotOwner": ownerRule = x.Rule; break;
                    case "pointsPart": pointsPartRule = x.Rule; break;
                    case "payments":
                        nonEarningRule = x.Rule;
                        nonEarningMask |= PaymentMask(x.Payments, path + ".payments");
                        if (x.Payments.Count == 0)
                        {
                            Error(path + ".payments", "must list at least one payment type");
                        }

                        break;
                    default:
                        Error(path + ".kind", $"unknown exclusion kind '{x.Kind}' (discountedLines, promotionalLines, payments, cardNotPresented, recipientNotOwner, pointsPart)");
                        break;
                }
            }
        }

        if (_errors.Count > 0)
        {
            return null;
        }

        return new CompiledProgram
        {
            Definition = d,
            Id = d.Id,
            Version = d.Version,
            CurrencyCode = d.Currency!,
            PointValueMinor = d.MinorUnitsPerUnit,
            Offset = _offset,
            Country = d.Country,
            Card = card!,
            CardValidity = d.Card.Validity is null ? Period.Never : ParsePeriod(d.Card.Validity, "$.card.validity", allowNever: true),
            EarnRounding = earnRounding,
            BurnCapRounding = burnRounding,
            RefundRounding = refundRounding,
            RewardDiscountRounding = rewardRounding,
            Categories = categories,
            CategoryIndex = _categoryIndex,
            Tiers = tiers,
            TierIndex = _tierIndex,
            TierBasis = basis,
            TierNextDay = nextDay,
            TierAllowDowngrade = d.Tiers.AllowDowngrade,
            StatusWindow = statusWindow,
            StatusPointKinds = statusKinds,
            LotKinds = lotKinds,
            MonthlyBatch = earn!.Accrual == "monthlyBatch",
            BatchDayOfMonth = earn.BatchDayOfMonth,
            EarnWhenRedeeming = earn.EarnWhenRedeeming,
            EarnWhenRedeemingRule = earn.EarnWhenRedeemingRule,
            ExcludeDiscountedEarnRule = discountedRule,
            ExcludePromotionalEarnRule = promoRule,
            NonEarningPaymentMask = nonEarningMask,
            NonEarningPaymentRule = nonEarningRule,
            CardNotPresentedRule = cardRule,
            RecipientNotOwnerRule = ownerRule,
            PointsPartRule = pointsPartRule,
            EarnRules = earnRules,
            BillShareBp = builder.ShareBp,
            BillShareRule = builder.ShareRule,
            MaxPointsPerOrder = builder.MaxPerOrder,
            MaxPointsPerOrderRule = builder.MaxPerOrderRule,
            MaxRedeemingOrdersPerDay = builder.MaxDaily,
            MaxRedeemingOrdersRule = builder.MaxDailyRule,
            PromoCodeExclusiveRule = builder.PromoRule,
            DiscountCardExclusiveRule = builder.DiscountCardRule,
            OwnerOnlyRule = builder.OwnerRule,
            BurnExcludeDiscountedRule = builder.DiscountedRule,
            BurnExcludePromotionalRule = builder.PromotionalRule,
            NotRedeemableItemsRule = builder.ItemsRule,
            Shortfall = shortfall,
            RefundReturnDelay = returnDelay,
            RefundWindow = window,
            RefundRule = refund.Rule,
            Events = events.ToDictionary(e => e.Id, StringComparer.Ordinal),
            EventList = events,
            Catalog = catalog,
            Decay = d.Decay,
            DecaySteps = decaySteps,
            DiscountLevels = discountLevels,
            DiscountExcludedCategories = discountExcluded,
        };
    }

    private T Fail<T>(T value, string path, string reason)
    {
        Error(path, reason);
        return value;
    }

    private static bool TryParseOffset(string? text, out TimeSpan offset)
    {
        offset = TimeSpan.Zero;
        if (text is null || text.Length != 6 || (text[0] != '+' && text[0] != '-'))
        {
            return false;
        }

        if (!TimeSpan.TryParseExact(text[1..], @"hh\:mm", CultureInfo.InvariantCulture, out var t) || t > TimeSpan.FromHours(14))
        {
            return false;
        }

        offset = text[0] == '-' ? -t : t;
        return true;
    }

    private RoundingMode ParseRounding(string? text, string path) =>
        Rounding.TryParse(text, out var mode) ? mode : Fail(RoundingMode.Floor, path, $"'{text}' is not a rounding mode (floor, ceiling, halfUp, halfEven)");

    private Period ParsePeriod(string? text, string path, bool allowNever)
    {
        if (!Period.TryParse(text, out var p))
        {
            Error(path, $"'{text}' is not a period (PT24H, P3D, P3M, P1Y{(allowNever ? ", never" : string.Empty)})");
            return Period.Zero;
        }

        if (p.IsNever && !allowNever)
        {
            Error(path, "must be a finite period");
        }

        return p;
    }

    private long Bp(decimal? percent, string path, bool required = true)
    {
        if (percent is null)
        {
            if (required)
            {
                Error(path, "is required");
            }

            return 0;
        }

        var v = percent.Value;
        if (v < 0 || v > 100)
        {
            Error(path, $"{v.ToString(CultureInfo.InvariantCulture)} is outside 0..100");
            return 0;
        }

        var bp = v * 100m;
        if (bp != decimal.Truncate(bp))
        {
            Error(path, "must have at most two decimal places");
            return 0;
        }

        return (long)bp;
    }

    private void CheckRuleId(string? ruleId, string path)
    {
        if (string.IsNullOrWhiteSpace(ruleId))
        {
            Error(path, "a rule id is required");
        }
        else if (!string.IsNullOrEmpty(_d.Id) && !ruleId.StartsWith(_d.Id + "-R", StringComparison.Ordinal))
        {
            Error(path, $"rule id '{ruleId}' must start with '{_d.Id}-R'");
        }
    }

    /// <summary>Indexes a category or tier id, refusing empty and duplicate ids, and checks its optional rule id.</summary>
    private void RegisterId(Dictionary<string, int> index, string? id, int position, string path, string what, string? rule)
    {
        if (string.IsNullOrWhiteSpace(id))
        {
            Error(path + ".id", "must not be empty");
        }
        else if (!index.TryAdd(id, position))
        {
            Error(path + ".id", $"duplicate {what} '{id}'");
        }

        if (rule is not null)
        {
            CheckRuleId(rule, path + ".rule");
        }
    }

    private CardNumberFormat? BuildCard(CardFormatDefinition? card)
    {
        if (card is null)
        {
            Error("$.card", "is required");
            return null;
        }

        if (card.Length is < 4 or > 32)
        {
            Error("$.card.length", "must be between 4 and 32");
        }

        var prefixes = card.Prefixes ?? [];
        for (var i = 0; i < prefixes.Count; i++)
        {
            if (string.IsNullOrEmpty(prefixes[i]) || prefixes[i].Length >= card.Length || !prefixes[i].All(char.IsAsciiDigit))
            {
                Error($"$.card.prefixes[{i}]", "must be digits, shorter than the card number");
            }
        }

        var algorithm = card.CheckDigit switch
        {
            "luhn" => CheckDigitAlgorithm.Luhn,
            "ean13" => CheckDigitAlgorithm.Ean13,
            "none" => CheckDigitAlgorithm.None,
            _ => Fail(CheckDigitAlgorithm.None, "$.card.checkDigit", $"'{card.CheckDigit}' is not one of luhn, ean13, none"),
        };
        if (algorithm == CheckDigitAlgorithm.Ean13 && card.Length != 13)
        {
            Error("$.card.checkDigit", "ean13 needs a card length of 13");
        }

        if (card.Validity is not null)
        {
            ParsePeriod(card.Validity, "$.card.validity", allowNever: true);
        }

        if (card.Fee is { } fee)
        {
            CheckRuleId(fee.Rule, "$.card.fee.rule");
            if (fee.FeeMinor < 0)
            {
                Error("$.card.fee.feeMinor", "must not be negative");
            }

            if (fee.FreeWithPaymentOverMinor < 0)
            {
                Error("$.card.fee.freeWithPaymentOverMinor", "must not be negative");
            }
        }

        return card.Length is < 4 or > 32 ? null : new CardNumberFormat(card.Length, prefixes, algorithm);
    }

    private CompiledCategory[] BuildCategories(IReadOnlyList<CategoryDefinition>? list)
    {
        if (list is null || list.Count == 0)
        {
            Error("$.categories", "must list at least one category");
            return [];
        }

        var result = new CompiledCategory[list.Count];
        for (var i = 0; i < list.Count; i++)
        {
            var c = list[i];
            var path = $"$.categories[{i}]";
            RegisterId(_categoryIndex, c.Id, i, path, "category", c.Rule);

            var share = c.MaxBurnSharePercent is null ? -1 : Bp(c.MaxBurnSharePercent, path + ".maxBurnSharePercent");
            if (!c.Redeemable && c.MaxBurnSharePercent is > 0)
            {
                Error(path + ".maxBurnSharePercent", "contradicts redeemable: false");
            }

            result[i] = new CompiledCategory { Id = c.Id ?? string.Empty, Earns = c.Earns, Redeemable = c.Redeemable, BurnShareBp = share, Rule = c.Rule };
        }

        return result;
    }

    private bool[]? CategoryMask(IReadOnlyList<string>? ids, string path)
    {
        if (ids is null)
        {
            return null;
        }

        var mask = new bool[_categoryIndex.Count];
        for (var i = 0; i < ids.Count; i++)
        {
            if (_categoryIndex.TryGetValue(ids[i], out var idx))
            {
                mask[idx] = true;
            }
            else
            {
                Error($"{path}[{i}]", $"unknown category '{ids[i]}'");
            }
        }

        return mask;
    }

    private int PaymentMask(IReadOnlyList<string>? names, string path)
    {
        var mask = 0;
        for (var i = 0; i < (names ?? []).Count; i++)
        {
            var n = names![i];
            PaymentType? t = n switch
            {
                "cash" => PaymentType.Cash,
                "bankCard" => PaymentType.BankCard,
                "insurance" => PaymentType.Insurance,
                "legalEntity" => PaymentType.LegalEntity,
                "other" => PaymentType.Other,
                _ => null,
            };
            if (t is null)
            {
                Error($"{path}[{i}]", $"unknown payment type '{n}' (cash, bankCard, insurance, legalEntity, other)");
            }
            else
            {
                mask |= 1 << (int)t.Value;
            }
        }

        return mask;
    }

    private CompiledTier[] BuildTiers(TierSetDefinition? set, out TierBasis basis, out bool nextDay, out Period statusWindow, out bool[] statusKinds)
    {
        basis = TierBasis.None;
        nextDay = false;
        statusWindow = Period.Never;
        statusKinds = new bool[8];
        if (set is null)
        {
            Error("$.tiers", "is required");
            return [];
        }

        basis = set.Basis switch
        {
            "none" => TierBasis.None,
            "totalSpend" => TierBasis.TotalSpend,
            "rolling365" => TierBasis.Rolling365,
            "statusPoints" => TierBasis.StatusPoints,
            "manual" => TierBasis.Manual,
            _ => Fail(TierBasis.None, "$.tiers.basis", $"'{set.Basis}' is not one of none, totalSpend, rolling365, statusPoints, manual"),
        };
        nextDay = set.Effect switch
        {
            "immediate" => false,
            "nextDay" => true,
            _ => Fail(false, "$.tiers.effect", "must be \"immediate\" or \"nextDay\""),
        };
        if (set.StatusWindow is not null)
        {
            statusWindow = ParsePeriod(set.StatusWindow, "$.tiers.statusWindow", allowNever: true);
        }

        for (var i = 0; i < (set.StatusPointKinds ?? []).Count; i++)
        {
            if (TryParseLotKind(set.StatusPointKinds![i], out var k))
            {
                statusKinds[(int)k] = true;
            }
            else
            {
                Error($"$.tiers.statusPointKinds[{i}]", $"unknown lot kind '{set.StatusPointKinds[i]}'");
            }
        }

        var levels = set.Levels ?? [];
        if (levels.Count == 0)
        {
            Error("$.tiers.levels", "must list at least one tier (the entry tier)");
            return [];
        }

        var result = new CompiledTier[levels.Count];
        long lastSpend = -1, lastPoints = -1, lastSingle = -1;
        for (var i = 0; i < levels.Count; i++)
        {
            var t = levels[i];
            var path = $"$.tiers.levels[{i}]";
            RegisterId(_tierIndex, t.Id, i, path, "tier", t.Rule);

            var hasCriterion = t.MinSpendMinor is not null || t.MinOrders is not null || t.SingleOrderMinMinor is not null || t.MinStatusPoints is not null;
            if (i > 0 && !t.ManualOnly && basis is not (TierBasis.Manual or TierBasis.None) && !hasCriterion)
            {
                Error(path, "a tier above the entry tier needs a threshold (minSpendMinor, minOrders, singleOrderMinMinor, minStatusPoints) or manualOnly: true");
            }

            if (t.ManualOnly && hasCriterion)
            {
                Error(path + ".manualOnly", "contradicts the thresholds given for this tier");
            }

            if (t.MinSpendMinor is { } spend)
            {
                if (spend < 0)
                {
                    Error(path + ".minSpendMinor", "must not be negative");
                }
                else if (spend <= lastSpend)
                {
                    Error(path + ".minSpendMinor", $"{spend} does not rise above the tier below ({lastSpend}): tiers must be ordered from the entry tier up");
                }

                lastSpend = spend;
            }

            if (t.MinStatusPoints is { } sp)
            {
                if (sp <= lastPoints)
                {
                    Error(path + ".minStatusPoints", $"{sp} does not rise above the tier below ({lastPoints})");
                }

                lastPoints = sp;
            }

            if (t.SingleOrderMinMinor is { } single)
            {
                if (single <= 0)
                {
                    Error(path + ".singleOrderMinMinor", "must be positive");
                }
                else if (single <= lastSingle)
                {
                    Error(path + ".singleOrderMinMinor", "does not rise above the tier below");
                }

                lastSingle = single;
            }

            if (t.MinOrders is < 0)
            {
                Error(path + ".minOrders", "must not be negative");
            }

            if (hasCriterion && basis == TierBasis.StatusPoints && t.MinStatusPoints is null)
            {
                Error(path, "tiers by status points need minStatusPoints");
            }

            if (hasCriterion && basis is TierBasis.TotalSpend or TierBasis.Rolling365 && t.MinStatusPoints is not null)
            {
                Error(path + ".minStatusPoints", $"contradicts tiers.basis '{set.Basis}'");
            }

            result[i] = new CompiledTier
            {
                Id = t.Id ?? string.Empty,
                Index = i,
                EarnBp = Bp(t.EarnPercent, path + ".earnPercent"),
                BurnShareBp = t.BurnSharePercent is null ? -1 : Bp(t.BurnSharePercent, path + ".burnSharePercent"),
                MinSpendMinor = t.MinSpendMinor,
                MinOrders = t.MinOrders,
                SingleOrderMinMinor = t.SingleOrderMinMinor,
                MinStatusPoints = t.MinStatusPoints,
                ManualOnly = t.ManualOnly,
                Validity = t.Validity is null ? Period.Never : ParsePeriod(t.Validity, path + ".validity", allowNever: true),
                RewardDiscountBp = Bp(t.RewardDiscountPercent, path + ".rewardDiscountPercent"),
                Rule = t.Rule,
            };
        }

        if (levels[0].ManualOnly)
        {
            Error("$.tiers.levels[0].manualOnly", "the entry tier cannot be manual-only");
        }

        return result;
    }

    private CompiledLotKind[] BuildLotKinds(IReadOnlyDictionary<string, LotKindDefinition>? kinds)
    {
        var result = new CompiledLotKind[LotKindNames.Length];
        for (var i = 0; i < result.Length; i++)
        {
            result[i] = new CompiledLotKind();
        }

        if (kinds is null)
        {
            Error("$.lotKinds", "is required");
            return result;
        }

        if (!kinds.ContainsKey("purchase"))
        {
            Error("$.lotKinds", "must define 'purchase'");
        }

        foreach (var (name, k) in kinds.OrderBy(p => p.Key, StringComparer.Ordinal))
        {
            var path = $"$.lotKinds.{name}";
            if (!TryParseLotKind(name, out var kind))
            {
                Error(path, $"unknown lot kind '{name}' ({string.Join(", ", LotKindNames)})");
                continue;
            }

            if (k.Rule is not null)
            {
                CheckRuleId(k.Rule, path + ".rule");
            }

            var anchor = k.CreditAnchor switch
            {
                "transaction" => false,
                "goodsReceived" => true,
                _ => Fail(false, path + ".creditAnchor", "must be \"transaction\" or \"goodsReceived\""),
            };
            result[(int)kind] = new CompiledLotKind
            {
                Activation = ParsePeriod(k.Activation, path + ".activation", allowNever: false),
                Expiry = ParsePeriod(k.Expiry, path + ".expiry", allowNever: true),
                CreditDelay = ParsePeriod(k.CreditDelay, path + ".creditDelay", allowNever: false),
                AnchorGoodsReceived = anchor,
                Rule = k.Rule,
            };
        }

        return result;
    }

    private CompiledEarnRule[] BuildEarnRules(IReadOnlyList<EarnRuleDefinition>? rules)
    {
        if (rules is null)
        {
            Error("$.earn.rules", "is required");
            return [];
        }

        var result = new List<CompiledEarnRule>(rules.Count);
        for (var i = 0; i < rules.Count; i++)
        {
            var r = rules[i];
            var path = $"$.earn.rules[{i}]";
            CheckRuleId(r.Id, path + ".id");
            var kind = r.Kind switch
            {
                "tierRate" => EarnRuleKind.TierRate,
                "rate" => EarnRuleKind.Rate,
                "amountBand" => EarnRuleKind.AmountBand,
                "perUnits" => EarnRuleKind.PerUnits,
                _ => Fail(EarnRuleKind.Rate, path + ".kind", $"'{r.Kind}' is not one of tierRate, rate, amountBand, perUnits"),
            };
            long bp = 0;
            Band[] bands = [];
            switch (kind)
            {
                case EarnRuleKind.Rate:
                    bp = Bp(r.Percent, path + ".percent");
                    break;
                case EarnRuleKind.TierRate:
                    if (r.Percent is not null)
                    {
                        Error(path + ".percent", "a tierRate rule takes its rate from the tier; remove percent");
                    }

                    break;
                case EarnRuleKind.AmountBand:
                    bands = BuildBands(r.Bands, path + ".bands");
                    break;
                case EarnRuleKind.PerUnits:
                    if (r.UnitMinor is null or <= 0)
                    {
                        Error(path + ".unitMinor", "must be a positive amount");
                    }

                    if (r.PointsPerUnit is null or <= 0)
                    {
                        Error(path + ".pointsPerUnit", "must be positive");
                    }

                    break;
            }

            if (!TryParseLotKind(r.LotKind, out var lotKind))
            {
                Error(path + ".lotKind", $"unknown lot kind '{r.LotKind}'");
            }

            var dayMask = 0;
            for (var j = 0; j < (r.DaysOfWeek ?? []).Count; j++)
            {
                if (Enum.TryParse<DayOfWeek>(r.DaysOfWeek![j], ignoreCase: false, out var day) && Enum.IsDefined(day))
                {
                    dayMask |= 1 << (int)day;
                }
                else
                {
                    Error($"{path}.daysOfWeek[{j}]", $"'{r.DaysOfWeek[j]}' is not a day name like Saturday");
                }
            }

            bool[]? tierMask = null;
            if (r.Tiers is not null)
            {
                tierMask = new bool[_tierIndex.Count];
                for (var j = 0; j < r.Tiers.Count; j++)
                {
                    if (_tierIndex.TryGetValue(r.Tiers[j], out var ti))
                    {
                        tierMask[ti] = true;
                    }
                    else
                    {
                        Error($"{path}.tiers[{j}]", $"unknown tier '{r.Tiers[j]}'");
                    }
                }
            }

            var include = CategoryMask(r.Categories, path + ".categories");
            var exclude = CategoryMask(r.ExcludeCategories, path + ".excludeCategories");
            if (exclude is not null)
            {
                include ??= Enumerable.Repeat(true, _categoryIndex.Count).ToArray();
                for (var j = 0; j < exclude.Length && j < include.Length; j++)
                {
                    include[j] &= !exclude[j];
                }
            }

            if (include is not null)
            {
                for (var j = 0; j < include.Length; j++)
                {
                    if (include[j] && _categoryIndex.Count == include.Length && !(_d.Categories[j].Earns))
                    {
                        Error(path + ".categories", $"category '{_d.Categories[j].Id}' has earns: false; a rule cannot earn on it");
                    }
                }
            }

            result.Add(new CompiledEarnRule
            {
                Id = r.Id ?? string.Empty,
                Kind = kind,
                Description = r.Description ?? DefaultDescription(r, kind),
                Bp = bp,
                Bands = bands,
                UnitMinor = r.UnitMinor ?? 1,
                PointsPerUnit = r.PointsPerUnit ?? 1,
                CategoryMask = include,
                PaymentMask = PaymentMask(r.Payments, path + ".payments"),
                DayMask = dayMask,
                TierMask = tierMask,
                LotKind = lotKind,
            });
        }

        return [.. result];
    }

    private static string DefaultDescription(EarnRuleDefinition r, EarnRuleKind kind) => kind switch
    {
        EarnRuleKind.TierRate => "rate of the member's tier",
        EarnRuleKind.Rate => $"{r.Percent?.ToString(CultureInfo.InvariantCulture)}% of the money paid",
        EarnRuleKind.AmountBand => "extra rate by single-purchase amount",
        _ => $"{r.PointsPerUnit} point(s) per {r.UnitMinor} minor units paid",
    };

    private Band[] BuildBands(IReadOnlyList<BandDefinition>? bands, string path)
    {
        if (bands is null || bands.Count == 0)
        {
            Error(path, "an amountBand rule needs at least one band");
            return [];
        }

        var result = new Band[bands.Count];
        for (var i = 0; i < bands.Count; i++)
        {
            var b = bands[i];
            var to = b.ToMinor ?? long.MaxValue;
            if (b.FromMinor < 0 || to < b.FromMinor)
            {
                Error($"{path}[{i}]", "needs 0 <= fromMinor <= toMinor");
            }

            if (i > 0 && b.FromMinor <= result[i - 1].ToMinor)
            {
                Error($"{path}[{i}].fromMinor", $"overlaps the band before (which ends at {result[i - 1].ToMinor}); bands must be ascending and disjoint");
            }

            result[i] = new Band(b.FromMinor, to, Bp(b.Percent, $"{path}[{i}].percent"));
        }

        return result;
    }

    private sealed class BurnBuilder
    {
        public long ShareBp { get; set; } = 10_000;

        public string? ShareRule { get; set; }

        public long? MaxPerOrder { get; set; }

        public string? MaxPerOrderRule { get; set; }

        public int? MaxDaily { get; set; }

        public string? MaxDailyRule { get; set; }

        public string? PromoRule { get; set; }

        public string? DiscountCardRule { get; set; }

        public string? OwnerRule { get; set; }

        public string? DiscountedRule { get; set; }

        public string? PromotionalRule { get; set; }

        public string? ItemsRule { get; set; }
    }

    private void RequirePositive(long? value, string path)
    {
        if (value is null or <= 0)
        {
            Error(path, "must be positive");
        }
    }

    private void BuildBurn(BurnDefinition? burn, BurnBuilder b)
    {
        if (burn?.Rules is null)
        {
            Error("$.burn.rules", "is required");
            return;
        }

        var seen = new HashSet<string>(StringComparer.Ordinal);
        for (var i = 0; i < burn.Rules.Count; i++)
        {
            var r = burn.Rules[i];
            var path = $"$.burn.rules[{i}]";
            CheckRuleId(r.Id, path + ".id");
            if (!seen.Add(r.Kind))
            {
                Error(path + ".kind", $"'{r.Kind}' is given twice; one limit of each kind");
            }

            switch (r.Kind)
            {
                case "billShare":
                    b.ShareBp = Bp(r.Percent, path + ".percent");
                    b.ShareRule = r.Id;
                    break;
                case "maxPointsPerOrder":
                    RequirePositive(r.Points, path + ".points");
                    b.MaxPerOrder = r.Points;
                    b.MaxPerOrderRule = r.Id;
                    break;
                case "maxRedeemingOrdersPerDay":
                    RequirePositive(r.Orders, path + ".orders");
                    b.MaxDaily = r.Orders;
                    b.MaxDailyRule = r.Id;
                    break;
                case "promoCodeExclusive": b.PromoRule = r.Id; break;
                case "discountCardExclusive": b.DiscountCardRule = r.Id; break;
                case "ownerOnly": b.OwnerRule = r.Id; break;
                case "discountedLines": b.DiscountedRule = r.Id; break;
                case "promotionalLines": b.PromotionalRule = r.Id; break;
                case "notRedeemableItems": b.ItemsRule = r.Id; break;
                case "anyTime": break;
                default:
                    Error(path + ".kind", $"unknown burn rule kind '{r.Kind}' (billShare, maxPointsPerOrder, maxRedeemingOrdersPerDay, promoCodeExclusive, discountCardExclusive, ownerOnly, discountedLines, promotionalLines, notRedeemableItems, anyTime)");
                    break;
            }
        }
    }

    private CompiledEvent[] BuildEvents(IReadOnlyList<EventDefinition> events)
    {
        var result = new List<CompiledEvent>();
        var ids = new HashSet<string>(StringComparer.Ordinal);
        for (var i = 0; i < events.Count; i++)
        {
            var e = events[i];
            var path = $"$.events[{i}]";
            if (string.IsNullOrWhiteSpace(e.Id) || !ids.Add(e.Id))
            {
                Error(path + ".id", $"missing or duplicate event id '{e.Id}'");
            }

            CheckRuleId(e.Rule, path + ".rule");
            if (!TryParseLotKind(e.LotKind ?? e.Kind, out var lotKind))
            {
                Error(path + (e.LotKind is null ? ".kind" : ".lotKind"), $"unknown lot kind '{e.LotKind ?? e.Kind}'");
            }

            var trigger = e.Trigger switch
            {
                "manual" => EventTrigger.Manual,
                "enroll" => EventTrigger.Enroll,
                "firstOrder" => EventTrigger.FirstOrder,
                "birthday" => EventTrigger.Birthday,
                _ => Fail(EventTrigger.Manual, path + ".trigger", $"'{e.Trigger}' is not one of manual, enroll, firstOrder, birthday"),
            };
            var once = e.Once switch
            {
                "unlimited" => OncePolicy.Unlimited,
                "perAccount" => OncePolicy.PerAccount,
                "perYear" => OncePolicy.PerYear,
                _ => Fail(OncePolicy.Unlimited, path + ".once", "must be unlimited, perAccount or perYear"),
            };
            if (e.Points is null && (e.MinPoints is null || e.MaxPoints is null))
            {
                Error(path + ".points", "give points, or minPoints and maxPoints");
            }

            if (e.Points is not null && (e.MinPoints is not null || e.MaxPoints is not null))
            {
                Error(path + ".points", "contradicts minPoints/maxPoints: give one or the other");
            }

            if (e.Points is <= 0)
            {
                Error(path + ".points", "must be positive");
            }

            if (e.MinPoints is { } min && e.MaxPoints is { } max && (min <= 0 || max < min))
            {
                Error(path + ".minPoints", "needs 0 < minPoints <= maxPoints");
            }

            if (trigger != EventTrigger.Manual && e.Points is null)
            {
                Error(path + ".points", "an automatic event needs a fixed number of points");
            }

            if (trigger == EventTrigger.Birthday && once == OncePolicy.Unlimited)
            {
                Error(path + ".once", "a birthday event must be perYear or perAccount");
            }

            result.Add(new CompiledEvent
            {
                Id = e.Id ?? string.Empty,
                Rule = e.Rule ?? string.Empty,
                Trigger = trigger,
                Points = e.Points,
                MinPoints = e.MinPoints ?? 0,
                MaxPoints = e.MaxPoints ?? 0,
                LotKind = lotKind,
                Once = once,
                JoinedOnOrAfter = e.JoinedOnOrAfter,
                CategoryMask = CategoryMask(e.Categories, path + ".categories"),
            });
        }

        return [.. result];
    }

    private Dictionary<string, CompiledCatalogItem>? BuildCatalog(CatalogDefinition? catalog)
    {
        if (catalog is null)
        {
            return null;
        }

        CheckRuleId(catalog.Rule, "$.catalog.rule");
        if (catalog.MaxOrdersPerMonth is <= 0)
        {
            Error("$.catalog.maxOrdersPerMonth", "must be positive");
        }

        var items = new Dictionary<string, CompiledCatalogItem>(StringComparer.Ordinal);
        for (var i = 0; i < (catalog.Items ?? []).Count; i++)
        {
            var it = catalog.Items![i];
            var path = $"$.catalog.items[{i}]";
            if (it.Price <= 0)
            {
                Error(path + ".price", "must be positive");
            }

            var item = new CompiledCatalogItem
            {
                Id = it.Id,
                Price = it.Price,
                OncePerCustomer = it.OncePerCustomer,
                Validity = ParsePeriod(it.Validity, path + ".validity", allowNever: true),
                Regions = [.. it.Regions ?? []],
            };
            if (string.IsNullOrWhiteSpace(it.Id) || !items.TryAdd(it.Id, item))
            {
                Error(path + ".id", $"missing or duplicate item id '{it.Id}'");
            }
        }

        if (items.Count == 0)
        {
            Error("$.catalog.items", "a catalog needs at least one item");
        }

        return items;
    }

    private CompiledDecayStep[] BuildDecay(DecayDefinition? decay)
    {
        if (decay is null)
        {
            return [];
        }

        CheckRuleId(decay.Rule, "$.decay.rule");
        if (decay.GraceMonths < 0)
        {
            Error("$.decay.graceMonths", "must not be negative");
        }

        var steps = decay.Steps ?? [];
        var result = new CompiledDecayStep[steps.Count];
        var expectFrom = decay.GraceMonths + 1;
        for (var i = 0; i < steps.Count; i++)
        {
            var s = steps[i];
            var path = $"$.decay.steps[{i}]";
            if (s.FromMonth != expectFrom)
            {
                Error(path + ".fromMonth", $"expected {expectFrom}: steps must start right after the grace months and follow each other without gaps or overlaps");
            }

            if (s.ToMonth is { } to && to < s.FromMonth)
            {
                Error(path + ".toMonth", "is before fromMonth");
            }

            if (s.ToMonth is null && i != steps.Count - 1)
            {
                Error(path + ".toMonth", "only the last step may be open-ended");
            }

            if (s.Points <= 0)
            {
                Error(path + ".points", "must be positive");
            }

            result[i] = new CompiledDecayStep { FromMonth = s.FromMonth, ToMonth = s.ToMonth ?? int.MaxValue, Points = s.Points };
            expectFrom = (s.ToMonth ?? int.MaxValue - 1) + 1;
        }

        if (steps.Count == 0)
        {
            Error("$.decay.steps", "needs at least one step");
        }

        return result;
    }

    private CompiledDiscountLevel[] BuildDiscount(DiscountCardDefinition? discount, out bool[]? excluded)
    {
        excluded = null;
        if (discount is null)
        {
            return [];
        }

        CheckRuleId(discount.Rule, "$.discountCard.rule");
        excluded = CategoryMask(discount.ExcludedCategories, "$.discountCard.excludedCategories");
        var levels = discount.Levels ?? [];
        var result = new CompiledDiscountLevel[levels.Count];
        for (var i = 0; i < levels.Count; i++)
        {
            var l = levels[i];
            var path = $"$.discountCard.levels[{i}]";
            if (l.SingleOrderMinMinor is null && l.TotalSpendMinMinor is null)
            {
                Error(path, "needs singleOrderMinMinor or totalSpendMinMinor");
            }

            result[i] = new CompiledDiscountLevel
            {
                Id = l.Id,
                Bp = Bp(l.Percent, path + ".percent"),
                SingleOrderMinMinor = l.SingleOrderMinMinor,
                TotalSpendMinMinor = l.TotalSpendMinMinor,
            };
        }

        if (levels.Count == 0)
        {
            Error("$.discountCard.levels", "needs at least one level");
        }

        return result;
    }
}
