namespace PosAgent.Agent.Internal;

/// <summary>Card numbers leave the agent's storage only masked (logs, receipts, API answers).</summary>
internal static class Masking
{
    public static string Card(string? cardNumber) =>
        string.IsNullOrEmpty(cardNumber) ? "-" : cardNumber.Length <= 4 ? new string('*', cardNumber.Length) : "****" + cardNumber[^4..];
}
