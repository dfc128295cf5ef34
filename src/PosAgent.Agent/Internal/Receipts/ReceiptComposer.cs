using PosAgent.Contracts.PosAgent.V1;
using PosAgent.Devices.Printing;

namespace PosAgent.Agent.Internal.Receipts;

/// <summary>The loyalty figures printed on a receipt.</summary>
internal sealed record ReceiptLoyalty(string MaskedCard, string Tier, long Earned, long Spent, long Left, bool Pending);

/// <summary>The store's lines at the top of every receipt, from configuration.</summary>
internal sealed record StoreHeader(string Name, string Address, string TaxId);

/// <summary>
/// Lays out a receipt in the store's language: store header, items, total, payment, and the loyalty
/// block (points earned, spent and left, tier, masked card; "pending" for an offline estimate).
/// Amounts carry the currency's own decimals (none for IRR). The printer turns the rows into ESC/POS
/// text or raster lines.
/// </summary>
internal static class ReceiptComposer
{
    public static ReceiptLayout Sale(ReceiptLanguage language, StoreHeader store, long minorPerUnit, Check check, PaymentSplit? payment, ReceiptLoyalty? loyalty, bool copy, DateTimeOffset printedAt)
    {
        var rows = new List<ReceiptRow>();
        Header(rows, language, store, copy, language.Sale, check, printedAt);
        foreach (var line in check.Lines)
        {
            rows.Add(new TextRow(line.Name.Length > 0 ? line.Name : line.Sku));
            var detail = $"  {line.Quantity} x {language.Money(line.UnitPriceMinor, minorPerUnit)}" + (line.DiscountMinor > 0 ? $" -{language.Money(line.DiscountMinor, minorPerUnit)}" : string.Empty);
            rows.Add(new PairRow(detail, language.Money(line.TotalMinor, minorPerUnit)));
        }

        rows.Add(new RuleRow());
        rows.Add(new PairRow(language.Total + " " + check.Currency, language.Money(check.TotalMinor, minorPerUnit), Bold: true));
        if (payment is not null)
        {
            Pay(rows, language.Cash, payment.CashMinor, language, minorPerUnit);
            Pay(rows, language.BankCard, payment.BankCardMinor, language, minorPerUnit);
            Pay(rows, language.LegalEntity, payment.LegalEntityMinor, language, minorPerUnit);
            Pay(rows, language.Insurance, payment.InsuranceMinor, language, minorPerUnit);
            if (payment.Points > 0)
            {
                rows.Add(new PairRow(language.PaidWithPoints, language.Points(payment.Points)));
            }
        }

        Loyalty(rows, language, loyalty, language.PointsEarned);
        rows.Add(new TextRow(string.Empty));
        return new ReceiptLayout(language.Code, rows);
    }

    public static ReceiptLayout Refund(ReceiptLanguage language, StoreHeader store, long minorPerUnit, Check check, long refundMinor, ReceiptLoyalty? loyalty, bool copy, DateTimeOffset printedAt)
    {
        var rows = new List<ReceiptRow>();
        Header(rows, language, store, copy, language.Refund, check, printedAt);
        rows.Add(new PairRow(language.Refunded + " " + check.Currency, language.Money(refundMinor, minorPerUnit), Bold: true));
        Loyalty(rows, language, loyalty, language.PointsTakenBack);
        rows.Add(new TextRow(string.Empty));
        return new ReceiptLayout(language.Code, rows);
    }

    private static void Header(List<ReceiptRow> rows, ReceiptLanguage language, StoreHeader store, bool copy, string kind, Check check, DateTimeOffset printedAt)
    {
        rows.Add(new TextRow(store.Name, ReceiptAlignment.Center, Bold: true));
        foreach (var line in store.Address.Split('\n', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries))
        {
            rows.Add(new TextRow(line, ReceiptAlignment.Center));
        }

        if (store.TaxId.Length > 0)
        {
            rows.Add(new TextRow(language.TaxId + " " + store.TaxId, ReceiptAlignment.Center));
        }

        if (copy)
        {
            rows.Add(new TextRow(language.Copy, ReceiptAlignment.Center));
        }

        // The check id is what a refund is asked by: it is never cut, however long the label (PairRow).
        rows.Add(new PairRow(kind, check.CheckId));
        rows.Add(new PairRow(language.Date, language.Timestamp(printedAt)));
        if (check.ClientReference.Length > 0)
        {
            rows.Add(new PairRow(language.Reference, check.ClientReference));
        }

        rows.Add(new RuleRow());
    }

    private static void Loyalty(List<ReceiptRow> rows, ReceiptLanguage language, ReceiptLoyalty? loyalty, string earnedLabel)
    {
        if (loyalty is null)
        {
            return;
        }

        rows.Add(new RuleRow());
        rows.Add(new PairRow(language.Card, loyalty.MaskedCard));
        if (loyalty.Tier.Length > 0)
        {
            rows.Add(new PairRow(language.Tier, loyalty.Tier));
        }

        var pending = loyalty.Pending ? " " + language.Pending : string.Empty;
        rows.Add(new PairRow(earnedLabel, language.Points(loyalty.Earned) + pending));
        rows.Add(new PairRow(language.PointsSpent, language.Points(loyalty.Spent)));
        rows.Add(new PairRow(language.PointsLeft, language.Points(loyalty.Left) + pending));
        if (loyalty.Pending)
        {
            // Printed before the sync worker has the central result, online or not, so it is an estimate either way.
            rows.Add(new TextRow(language.Estimate));
        }
    }

    private static void Pay(List<ReceiptRow> rows, string label, long amount, ReceiptLanguage language, long minorPerUnit)
    {
        if (amount > 0)
        {
            rows.Add(new PairRow(label, language.Money(amount, minorPerUnit)));
        }
    }
}
