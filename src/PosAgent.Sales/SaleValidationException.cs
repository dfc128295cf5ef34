namespace PosAgent.Sales;

/// <summary>A field of a sale (or of a request carrying one) that is wrong: "field: reason", an INVALID_ARGUMENT at either service.</summary>
public class SaleValidationException(string field, string reason) : Exception($"{field}: {reason}")
{
    public string Field { get; } = field;

    public string Reason { get; } = reason;
}
