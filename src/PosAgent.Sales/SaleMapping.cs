using PosAgent.Contracts.Loyalty.V1;
using PosAgent.Rules;

namespace PosAgent.Sales;

/// <summary>
/// The one mapping from a sale on the wire to the rules engine's request: the agent's estimate and
/// the central service's result are both computed from what it returns, so they cannot drift.
/// </summary>
public static class SaleMapping
{
    public static PaymentType PaymentType(PaymentKind kind) => kind switch
    {
        PaymentKind.Cash => Rules.PaymentType.Cash,
        PaymentKind.BankCard => Rules.PaymentType.BankCard,
        PaymentKind.Insurance => Rules.PaymentType.Insurance,
        PaymentKind.LegalEntity => Rules.PaymentType.LegalEntity,
        _ => Rules.PaymentType.Other,
    };

    /// <summary>The engine's sale: lines at their money amount; the points part converted to whole points.</summary>
    public static SaleRequest ToRequest(string transactionId, DateTimeOffset at, Sale sale, long minorPerPoint) =>
        ToRequest(transactionId, at, sale.Lines, sale.Payments, minorPerPoint, sale.PromoCode, sale.DiscountCardUsed, sale.GoodsReceivedTime?.ToDateTimeOffset());

    public static SaleRequest ToRequest(
        string transactionId, DateTimeOffset at, IEnumerable<Contracts.Loyalty.V1.SaleLine> lines, IEnumerable<Contracts.Loyalty.V1.Payment> payments,
        long minorPerPoint, string promoCode, bool discountCard, DateTimeOffset? goodsReceived)
    {
        var paymentList = payments as IReadOnlyList<Contracts.Loyalty.V1.Payment> ?? [.. payments];
        long pointsMinor = 0;
        var money = new List<Rules.Payment>(paymentList.Count);
        foreach (var p in paymentList)
        {
            if (p.Kind == PaymentKind.Points)
            {
                pointsMinor = checked(pointsMinor + p.AmountMinor);
            }
            else
            {
                money.Add(new Rules.Payment(PaymentType(p.Kind), p.AmountMinor));
            }
        }

        if (pointsMinor % minorPerPoint != 0)
        {
            throw new LoyaltyRuleException(LoyaltyErrorCode.PaymentMismatch, $"The points part ({pointsMinor} minor units) is not a whole number of points (1 point = {minorPerPoint} minor units).");
        }

        return new SaleRequest
        {
            TransactionId = transactionId,
            At = at,
            Lines = [.. lines.Select(l => new Rules.SaleLine
            {
                Category = l.Category,
                AmountMinor = checked((l.UnitPriceMinor * l.Quantity) - l.DiscountMinor),
                Sku = string.IsNullOrEmpty(l.Sku) ? null : l.Sku,
                Discounted = l.Discounted || l.DiscountMinor > 0,
                Promotional = l.Promotional,
            })],
            Payments = money,
            PointsToSpend = pointsMinor / minorPerPoint,
            PromoCode = string.IsNullOrEmpty(promoCode) ? null : promoCode,
            DiscountCardPresented = discountCard,
            GoodsReceivedAt = goodsReceived,
        };
    }
}
