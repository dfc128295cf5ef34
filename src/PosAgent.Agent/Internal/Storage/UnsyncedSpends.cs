namespace PosAgent.Agent.Internal.Storage;

/// <summary>A points-paying sale this terminal committed that the central service has not answered yet.</summary>
internal sealed record UnsyncedSpend(string OperationId, DateTimeOffset At, long Points);

/// <summary>
/// The points-paying sales in the outbox still waiting for the central service, per card. The
/// card snapshot the agent estimates from cannot contain them, so without them a second commit
/// on the card would be judged as if the first had not happened (issue #17). Kept in memory by
/// <see cref="AgentStore"/> (every outbox write goes through it), under its lock.
/// </summary>
internal sealed class UnsyncedSpends
{
    private readonly Dictionary<string, List<UnsyncedSpend>> _byCard = new(StringComparer.Ordinal);
    private readonly Dictionary<string, string> _cardOf = new(StringComparer.Ordinal);

    /// <summary>Changes whenever a spend is added or answered, so an estimate made before can tell it is stale.</summary>
    public long Version { get; private set; }

    public static bool Counts(OutboxOperation operation) =>
        operation is { Kind: "sale", LocalOnly: false, EstimatedSpent: > 0, CardNumber: { Length: > 0 } };

    public void Add(string cardNumber, UnsyncedSpend spend)
    {
        if (!_byCard.TryGetValue(cardNumber, out var list))
        {
            _byCard[cardNumber] = list = [];
        }

        list.Add(spend);
        _cardOf[spend.OperationId] = cardNumber;
        Version++;
    }

    /// <summary>The central service answered the operation (applied or refused): it is no longer only the terminal's.</summary>
    public void Answered(string operationId)
    {
        if (!_cardOf.Remove(operationId, out var card))
        {
            return;
        }

        var list = _byCard[card];
        list.RemoveAll(s => s.OperationId == operationId);
        if (list.Count == 0)
        {
            _byCard.Remove(card);
        }

        Version++;
    }

    public IReadOnlyList<UnsyncedSpend> Of(string cardNumber) =>
        _byCard.TryGetValue(cardNumber, out var list) ? [.. list] : [];
}
