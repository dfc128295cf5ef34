namespace PosAgent.Rules.Internal;

/// <summary>Everything a sale would do, computed without touching the account.</summary>
internal sealed class SaleComputation
{
    public long Total;
    public long Money;
    public long Spend;
    public long MaxSpend;
    public BurnLimitKind Binding;
    public string? BindingRule;
    public long Usable;
    public long DiscountMinor;
    public int TierIndex;
    public long PointsEarned;
    public int[] LineCategory = [];
    public long[] LineSpent = [];
    public long[] LineMoney = [];
    public bool[] LineEarns = [];
    public long[] RulePoints = [];
    public long[] RuleBase = [];
    public long[] RuleBp = [];
    public List<EarnItem> Items = [];
}

/// <summary>The earn and burn arithmetic shared by quote and apply. Arrays and loops, no LINQ: this is the hot path.</summary>
internal sealed class SaleEvaluator(CompiledProgram p, LoyaltyEngineOptions options)
{
    private static readonly DateTimeOffset Never = DateTimeOffset.MaxValue;

    public SaleComputation Evaluate(AccountState state, SaleRequest sale, long requestedSpend)
    {
        var lines = sale.Lines;
        var n = lines.Count;
        var c = new SaleComputation
        {
            LineCategory = new int[n],
            LineSpent = new long[n],
            LineMoney = new long[n],
            LineEarns = new bool[n],
            TierIndex = EffectiveTier(state, sale.At),
        };
        long total = 0;
        for (var i = 0; i < n; i++)
        {
            var line = lines[i] ?? throw new LoyaltyRuleException(LoyaltyErrorCode.InvalidRequest, $"Line {i + 1} is missing.");
            if (line.AmountMinor < 0 || line.AmountMinor > options.MaxAmountMinor)
            {
                throw new LoyaltyRuleException(LoyaltyErrorCode.InvalidAmount, $"Line {i + 1} has an invalid amount {line.AmountMinor} (must be 0..{options.MaxAmountMinor} minor units).");
            }

            if (line.Category is null || !p.CategoryIndex.TryGetValue(line.Category, out var cat))
            {
                throw new LoyaltyRuleException(LoyaltyErrorCode.UnknownCategory, $"Line {i + 1} has category '{line.Category}', which program {p.Id} does not know.");
            }

            c.LineCategory[i] = cat;
            total += line.AmountMinor;
        }

        c.Total = total;
        var (_, usable) = LotMath.Totals(state.Lots, sale.At);
        c.Usable = usable;

        if (state.Mode == AccountMode.DiscountCard)
        {
            c.Binding = BurnLimitKind.AccountNotBonus;
            c.BindingRule = p.Definition.DiscountCard?.Rule;
            c.DiscountMinor = Discount(state, sale, c);
            c.Money = total - c.DiscountMinor;
            c.RulePoints = new long[p.EarnRules.Length];
            c.RuleBase = new long[p.EarnRules.Length];
            c.RuleBp = new long[p.EarnRules.Length];
            CheckPayments(sale, c.Money, stackalloc long[5]);
            return c;
        }

        ComputeBurnLimit(state, sale, c, usable);
        c.Spend = Math.Min(requestedSpend, c.MaxSpend);
        AllocateSpend(sale, c);
        ComputeEarn(state, sale, c);
        return c;
    }

    public int EffectiveTier(AccountState state, DateTimeOffset at)
    {
        var id = state.PendingTierId is not null && state.PendingTierFrom <= at ? state.PendingTierId : state.TierId;
        return p.TierIndex.TryGetValue(id, out var idx)
            ? idx
            : throw new LoyaltyRuleException(LoyaltyErrorCode.InvalidState, $"Account tier '{id}' is not a tier of program {p.Id} {p.Version}.");
    }

    private long LineShareBp(SaleLine line, int cat, int tier, ref bool anyCategory, ref bool anyTier)
    {
        var category = p.Categories[cat];
        if (!category.Redeemable || line.NotRedeemable
            || (line.Discounted && p.BurnExcludeDiscountedRule is not null)
            || (line.Promotional && p.BurnExcludePromotionalRule is not null))
        {
            return 0;
        }

        var share = p.BillShareBp;
        if (category.BurnShareBp >= 0)
        {
            share = category.BurnShareBp;
            anyCategory |= category.BurnShareBp < p.BillShareBp;
        }

        var tierShare = p.Tiers[tier].BurnShareBp;
        if (tierShare >= 0 && tierShare < share)
        {
            share = tierShare;
            anyTier = true;
        }

        return share;
    }

    private void ComputeBurnLimit(AccountState state, SaleRequest sale, SaleComputation c, long usable)
    {
        var lines = sale.Lines;
        Int128 capNumerator = 0;
        bool anyCategory = false, anyTier = false, anyRedeemable = false;
        string? notRedeemableRule = null, categoryRule = null;
        for (var i = 0; i < lines.Count; i++)
        {
            var share = LineShareBp(lines[i], c.LineCategory[i], c.TierIndex, ref anyCategory, ref anyTier);
            if (share == 0 && lines[i].AmountMinor > 0)
            {
                notRedeemableRule ??= NotRedeemableRule(lines[i], c.LineCategory[i]);
            }

            if (share > 0 && lines[i].AmountMinor > 0)
            {
                anyRedeemable = true;
                var cat = p.Categories[c.LineCategory[i]];
                if (cat.BurnShareBp >= 0 && cat.BurnShareBp < p.BillShareBp)
                {
                    categoryRule ??= cat.Rule;
                }
            }

            capNumerator += (Int128)lines[i].AmountMinor * share;
        }

        if (sale.PromoCode is not null && p.PromoCodeExclusiveRule is not null)
        {
            Bind(c, 0, BurnLimitKind.PromoCode, p.PromoCodeExclusiveRule);
            return;
        }

        if (sale.DiscountCardPresented && p.DiscountCardExclusiveRule is not null)
        {
            Bind(c, 0, BurnLimitKind.DiscountCard, p.DiscountCardExclusiveRule);
            return;
        }

        if (!sale.PresentedByOwner && p.OwnerOnlyRule is not null)
        {
            Bind(c, 0, BurnLimitKind.NotOwner, p.OwnerOnlyRule);
            return;
        }

        if (!anyRedeemable)
        {
            Bind(c, 0, BurnLimitKind.NotRedeemable, notRedeemableRule);
            return;
        }

        if (p.MaxRedeemingOrdersPerDay is { } daily && RedeemingOrdersToday(state, sale.At) >= daily)
        {
            Bind(c, 0, BurnLimitKind.DailyOrders, p.MaxRedeemingOrdersRule);
            return;
        }

        var shareCap = Rounding.Divide(capNumerator, (Int128)10_000 * p.PointValueMinor, p.BurnCapRounding);
        var shareKind = anyTier ? BurnLimitKind.TierShare : anyCategory ? BurnLimitKind.CategoryShare : BurnLimitKind.BillShare;
        var shareRule = anyTier ? p.Tiers[c.TierIndex].Rule ?? p.BillShareRule : anyCategory ? categoryRule : p.BillShareRule;
        c.MaxSpend = shareCap;
        c.Binding = shareKind;
        c.BindingRule = shareRule;
        if (p.MaxPointsPerOrder is { } perOrder && perOrder < c.MaxSpend)
        {
            Bind(c, perOrder, BurnLimitKind.MaxPointsPerOrder, p.MaxPointsPerOrderRule);
        }

        var spendable = Math.Max(usable, 0);
        if (spendable < c.MaxSpend)
        {
            Bind(c, spendable, BurnLimitKind.UsableBalance, null);
        }
    }

    private static void Bind(SaleComputation c, long limit, BurnLimitKind kind, string? rule)
    {
        c.MaxSpend = limit;
        c.Binding = kind;
        c.BindingRule = rule;
    }

    private string? NotRedeemableRule(SaleLine line, int cat)
    {
        var category = p.Categories[cat];
        if (!category.Redeemable)
        {
            return category.Rule;
        }

        if (line.Discounted && p.BurnExcludeDiscountedRule is not null)
        {
            return p.BurnExcludeDiscountedRule;
        }

        return line.Promotional && p.BurnExcludePromotionalRule is not null ? p.BurnExcludePromotionalRule : p.NotRedeemableItemsRule;
    }

    public int RedeemingOrdersToday(AccountState state, DateTimeOffset at)
    {
        var local = at.ToOffset(p.Offset);
        var dayStart = new DateTimeOffset(local.Year, local.Month, local.Day, 0, 0, 0, p.Offset);
        var dayEnd = dayStart.AddDays(1);
        var count = 0;
        var orders = state.Orders;
        for (var i = orders.Count - 1; i >= 0; i--)
        {
            var o = orders[i];
            if (o.At < dayStart - options.MaxBackdating)
            {
                break;
            }

            if (o.PointsSpent > 0 && o.At >= dayStart && o.At < dayEnd)
            {
                count++;
            }
        }

        return count;
    }

    private void AllocateSpend(SaleRequest sale, SaleComputation c)
    {
        var lines = sale.Lines;
        var spend = c.Spend;
        if (spend > 0)
        {
            bool a = false, b = false;
            Int128 sum = 0;
            for (var i = 0; i < lines.Count; i++)
            {
                sum += (Int128)lines[i].AmountMinor * LineShareBp(lines[i], c.LineCategory[i], c.TierIndex, ref a, ref b);
            }

            long given = 0;
            for (var i = 0; i < lines.Count; i++)
            {
                var w = (Int128)lines[i].AmountMinor * LineShareBp(lines[i], c.LineCategory[i], c.TierIndex, ref a, ref b);
                c.LineSpent[i] = sum == 0 ? 0 : (long)(spend * w / sum);
                given += c.LineSpent[i];
            }

            // Hand out the rounding remainder line by line, first within each line's share, then
            // (only possible with ceiling rounding of the cap) within the line's amount.
            for (var pass = 0; pass < 2 && given < spend; pass++)
            {
                var progress = true;
                while (given < spend && progress)
                {
                    progress = false;
                    for (var i = 0; i < lines.Count && given < spend; i++)
                    {
                        var share = LineShareBp(lines[i], c.LineCategory[i], c.TierIndex, ref a, ref b);
                        var room = pass == 0
                            ? (Int128)(c.LineSpent[i] + 1) * p.PointValueMinor * 10_000 <= (Int128)lines[i].AmountMinor * share
                            : share > 0 && (c.LineSpent[i] + 1) * p.PointValueMinor <= lines[i].AmountMinor;
                        if (room)
                        {
                            c.LineSpent[i]++;
                            given++;
                            progress = true;
                        }
                    }
                }
            }

            if (given < spend)
            {
                c.Spend = given;
            }
        }

        long money = 0;
        for (var i = 0; i < lines.Count; i++)
        {
            c.LineMoney[i] = lines[i].AmountMinor - (c.LineSpent[i] * p.PointValueMinor);
            money += c.LineMoney[i];
        }

        c.Money = money;
    }

    private long CheckPayments(SaleRequest sale, long money, Span<long> byType)
    {
        var payments = sale.Payments;
        if (payments is null || payments.Count == 0)
        {
            byType[(int)PaymentType.BankCard] = money;
            return money;
        }

        long sum = 0;
        for (var i = 0; i < payments.Count; i++)
        {
            var pay = payments[i];
            if (pay is null || pay.AmountMinor < 0 || pay.AmountMinor > options.MaxAmountMinor || !Enum.IsDefined(pay.Type))
            {
                throw new LoyaltyRuleException(LoyaltyErrorCode.InvalidAmount, $"Payment {i + 1} is invalid (amount {pay?.AmountMinor}, type {pay?.Type}).");
            }

            byType[(int)pay.Type] += pay.AmountMinor;
            sum += pay.AmountMinor;
        }

        if (sum != money)
        {
            throw new LoyaltyRuleException(
                LoyaltyErrorCode.PaymentMismatch,
                $"Payments add up to {sum} but the money part of the bill is {money} (total {sale.Lines.Count} line(s) minus the points spent).");
        }

        return sum;
    }

    private void ComputeEarn(AccountState state, SaleRequest sale, SaleComputation c)
    {
        var rules = p.EarnRules;
        c.RulePoints = new long[rules.Length];
        c.RuleBase = new long[rules.Length];
        c.RuleBp = new long[rules.Length];
        Span<long> byType = stackalloc long[5];
        var money = CheckPayments(sale, c.Money, byType);
        var lines = sale.Lines;
        var items = c.Items;

        if (c.Spend > 0 && p.PointsPartRule is not null)
        {
            items.Add(Exclusion(p.PointsPartRule, "the part paid with points earns nothing", c.Spend * p.PointValueMinor));
        }

        if (!sale.CardPresented && p.CardNotPresentedRule is not null)
        {
            items.Add(Exclusion(p.CardNotPresentedRule, "card not presented: no points", money));
            return;
        }

        if (!sale.PresentedByOwner && p.RecipientNotOwnerRule is not null)
        {
            items.Add(Exclusion(p.RecipientNotOwnerRule, "points go only to the card of the service recipient", money));
            return;
        }

        if (c.Spend > 0 && !p.EarnWhenRedeeming)
        {
            items.Add(Exclusion(p.EarnWhenRedeemingRule ?? p.Id, "no points on a bill paid partly with points", money));
            return;
        }

        long discounted = 0, promotional = 0;
        for (var i = 0; i < lines.Count; i++)
        {
            var line = lines[i];
            var earns = p.Categories[c.LineCategory[i]].Earns;
            if (earns && line.Discounted && p.ExcludeDiscountedEarnRule is not null)
            {
                discounted += c.LineMoney[i];
                earns = false;
            }
            else if (earns && line.Promotional && p.ExcludePromotionalEarnRule is not null)
            {
                promotional += c.LineMoney[i];
                earns = false;
            }

            c.LineEarns[i] = earns;
        }

        if (discounted > 0)
        {
            items.Add(Exclusion(p.ExcludeDiscountedEarnRule!, "discounted lines earn nothing", discounted));
        }

        if (promotional > 0)
        {
            items.Add(Exclusion(p.ExcludePromotionalEarnRule!, "promotional lines earn nothing", promotional));
        }

        AddCategoryExclusions(c, lines);

        long earningPay = 0, excludedPay = 0;
        for (var t = 0; t < byType.Length; t++)
        {
            if ((p.NonEarningPaymentMask & (1 << t)) == 0)
            {
                earningPay += byType[t];
            }
            else
            {
                excludedPay += byType[t];
            }
        }

        if (excludedPay > 0)
        {
            items.Add(Exclusion(p.NonEarningPaymentRule!, "paid by insurance or a legal entity: no points", excludedPay));
        }

        if (money == 0)
        {
            return;
        }

        var dayBit = 1 << (int)sale.At.ToOffset(p.Offset).DayOfWeek;
        for (var r = 0; r < rules.Length; r++)
        {
            var rule = rules[r];
            if ((rule.DayMask != 0 && (rule.DayMask & dayBit) == 0) || (rule.TierMask is not null && !rule.TierMask[c.TierIndex]))
            {
                continue;
            }

            long eligible = 0, orderAmount = 0;
            for (var i = 0; i < lines.Count; i++)
            {
                if (c.LineEarns[i] && (rule.CategoryMask is null || rule.CategoryMask[c.LineCategory[i]]))
                {
                    eligible += c.LineMoney[i];
                    orderAmount += lines[i].AmountMinor;
                }
            }

            var allowedPay = earningPay;
            if (rule.PaymentMask != 0)
            {
                allowedPay = 0;
                for (var t = 0; t < byType.Length; t++)
                {
                    if ((rule.PaymentMask & (1 << t)) != 0 && (p.NonEarningPaymentMask & (1 << t)) == 0)
                    {
                        allowedPay += byType[t];
                    }
                }
            }

            if (eligible == 0 || allowedPay == 0)
            {
                continue;
            }

            var baseNumerator = (Int128)eligible * allowedPay;
            long bp = 0, points;
            switch (rule.Kind)
            {
                case EarnRuleKind.TierRate:
                    bp = p.Tiers[c.TierIndex].EarnBp;
                    break;
                case EarnRuleKind.Rate:
                    bp = rule.Bp;
                    break;
                case EarnRuleKind.AmountBand:
                    for (var b = 0; b < rule.Bands.Length; b++)
                    {
                        if (orderAmount >= rule.Bands[b].FromMinor && orderAmount <= rule.Bands[b].ToMinor)
                        {
                            bp = rule.Bands[b].Bp;
                        }
                    }

                    break;
                default:
                    break;
            }

            if (rule.Kind == EarnRuleKind.PerUnits)
            {
                points = Rounding.Divide(baseNumerator, (Int128)money * rule.UnitMinor, p.EarnRounding) * rule.PointsPerUnit;
            }
            else if (bp == 0)
            {
                continue;
            }
            else
            {
                points = Rounding.Divide(baseNumerator * bp, (Int128)money * 10_000 * p.PointValueMinor, p.EarnRounding);
            }

            var baseMinor = (long)(baseNumerator / money);
            c.RulePoints[r] = points;
            c.RuleBase[r] = baseMinor;
            c.RuleBp[r] = bp;
            c.PointsEarned += points;
            items.Add(new EarnItem
            {
                RuleId = rule.Id,
                Description = rule.Description,
                BaseMinor = baseMinor,
                RateBasisPoints = bp,
                Points = points,
                LotKind = rule.LotKind,
                CreditedAt = CreditTime(rule.LotKind, sale),
            });
        }
    }

    private void AddCategoryExclusions(SaleComputation c, IReadOnlyList<SaleLine> lines)
    {
        // One item per non-earning category rule (a handful at most), so the cashier sees why.
        for (var i = 0; i < lines.Count; i++)
        {
            var cat = p.Categories[c.LineCategory[i]];
            if (cat.Earns || cat.Rule is null || c.LineMoney[i] == 0)
            {
                continue;
            }

            var seen = false;
            for (var j = 0; j < i; j++)
            {
                seen |= c.LineCategory[j] == c.LineCategory[i];
            }

            if (seen)
            {
                continue;
            }

            long sum = 0;
            for (var j = i; j < lines.Count; j++)
            {
                if (c.LineCategory[j] == c.LineCategory[i])
                {
                    sum += c.LineMoney[j];
                }
            }

            c.Items.Add(Exclusion(cat.Rule, "this category earns no points", sum));
        }
    }

    private static EarnItem Exclusion(string rule, string description, long baseMinor) => new()
    {
        RuleId = rule,
        Description = description,
        BaseMinor = baseMinor,
        RateBasisPoints = 0,
        Points = 0,
        LotKind = LotKind.Purchase,
    };

    /// <summary>When a sale's points of this kind are credited (monthly batch, credit delays, goods receipt).</summary>
    public DateTimeOffset CreditTime(LotKind kind, SaleRequest sale)
    {
        if (p.MonthlyBatch)
        {
            return BatchDate(sale.At);
        }

        var k = p.LotKinds[(int)kind];
        var anchor = k.AnchorGoodsReceived ? sale.GoodsReceivedAt ?? sale.At : sale.At;
        return k.CreditDelay.After(anchor, p.Offset) ?? Never;
    }

    public DateTimeOffset BatchDate(DateTimeOffset at)
    {
        var local = at.ToOffset(p.Offset);
        return new DateTimeOffset(local.Year, local.Month, 1, 0, 0, 0, p.Offset).AddMonths(1).AddDays(p.BatchDayOfMonth - 1);
    }

    public static string MonthKey(DateTimeOffset at, TimeSpan offset)
    {
        var local = at.ToOffset(offset);
        return $"{local.Year:D4}-{local.Month:D2}";
    }

    private long Discount(AccountState state, SaleRequest sale, SaleComputation c)
    {
        var level = Array.FindIndex(p.DiscountLevels, l => l.Id == state.DiscountLevel);
        if (level < 0)
        {
            return 0;
        }

        Int128 sum = 0;
        for (var i = 0; i < sale.Lines.Count; i++)
        {
            if (p.DiscountExcludedCategories is null || !p.DiscountExcludedCategories[c.LineCategory[i]])
            {
                sum += sale.Lines[i].AmountMinor;
            }
        }

        return Rounding.Divide(sum * p.DiscountLevels[level].Bp, 10_000, RoundingMode.Floor);
    }
}
