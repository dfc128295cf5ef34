namespace PosAgent.Sales;

/// <summary>The bounds of a sale, the same at the till and at the central service.</summary>
public static class SaleLimits
{
    public const int MaxLines = 200;
    public const int MaxPayments = 10;

    /// <summary>1 billion currency units: any amount, part or total above it is refused.</summary>
    public const long MaxAmountMinor = 100_000_000_000;

    public const long MaxPoints = 10_000_000;
    public const int MaxQuantity = 10_000;

    /// <summary>Ids, categories, item codes (sku) and promo codes.</summary>
    public const int MaxCodeLength = 64;
}
