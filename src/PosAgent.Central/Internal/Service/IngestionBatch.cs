using Google.Protobuf;
using PosAgent.Central.Internal.Security;
using PosAgent.Central.Storage;
using PosAgent.Contracts.Loyalty.V1;
using PosAgent.Rules;

namespace PosAgent.Central.Internal.Service;

/// <summary>
/// One submitted batch while it is worked out: the answer for each transaction, which account each
/// applies to (in business-time order), the version each account was read at and its new record.
/// It is prepared from a snapshot and then partly or wholly again inside the write, so everything
/// it holds can be recomputed per account.
/// </summary>
internal sealed class IngestionBatch(Caller caller, IList<TerminalTransaction> transactions, IReadOnlyDictionary<string, ProgramRecord> active, DateTimeOffset now)
{
    public Caller Caller { get; } = caller;

    public IList<TerminalTransaction> Transactions { get; } = transactions;

    public IReadOnlyDictionary<string, ProgramRecord> Active { get; } = active;

    /// <summary>When the batch is applied (the ledger's applied_at); business times come from the transactions.</summary>
    public DateTimeOffset Now { get; } = now;

    /// <summary>The answer for each position; null for a repeat of an id earlier in the batch until <see cref="Results"/>.</summary>
    public TransactionResult?[] Answers { get; } = new TransactionResult?[transactions.Count];

    /// <summary>Position of the first occurrence of each id not yet in the ledger.</summary>
    public Dictionary<string, int> FirstIndex { get; } = new(StringComparer.Ordinal);

    /// <summary>Positions that are new to the ledger (first occurrences), in batch order.</summary>
    public List<int> Pending { get; } = [];

    /// <summary>For a refund: the sale it refunds.</summary>
    public Dictionary<int, TerminalTransaction> SaleOf { get; } = [];

    /// <summary>For each account: the positions applied to it, in business-time order.</summary>
    public Dictionary<string, List<int>> Groups { get; } = new(StringComparer.Ordinal);

    public Dictionary<string, long> VersionRead { get; } = new(StringComparer.Ordinal);

    public Dictionary<string, AccountRecord> Updated { get; } = new(StringComparer.Ordinal);

    /// <summary>Refunds' original sales that were folded out of their account's state, from the order archive (#17).</summary>
    public Dictionary<string, OrderRecord> ArchivedOriginals { get; } = new(StringComparer.Ordinal);

    /// <summary>For each changed account: the orders folded out of its state, to archive.</summary>
    public Dictionary<string, IReadOnlyList<OrderRecord>> Folded { get; } = new(StringComparer.Ordinal);

    /// <summary>The archive rows of the orders folded out of the changed accounts.</summary>
    public List<ArchivedOrder> ArchiveRows() =>
        [.. Folded.Where(f => Updated.ContainsKey(f.Key)).OrderBy(f => f.Key, StringComparer.Ordinal)
            .SelectMany(f => f.Value.Select(o => new ArchivedOrder(o.TransactionId, f.Key, o.At, AccountStateJson.SerializeOrder(o))))];

    public void Reset()
    {
        ArchivedOriginals.Clear();
        Folded.Clear();
        Array.Clear(Answers);
        FirstIndex.Clear();
        Pending.Clear();
        SaleOf.Clear();
        Groups.Clear();
        VersionRead.Clear();
        Updated.Clear();
    }

    /// <summary>The changed accounts in id order (the order locks are taken in), each with the version it was read at.</summary>
    public List<(AccountRecord Account, long ExpectedVersion)> Updates() =>
        [.. Updated.Values.OrderBy(a => a.AccountId, StringComparer.Ordinal).Select(a => (a, VersionRead[a.AccountId]))];

    /// <summary>The ledger rows of the transactions new to the ledger: request and answer, whatever the outcome.</summary>
    public List<LedgerEntry> Entries()
    {
        var entries = new List<LedgerEntry>(Pending.Count);
        foreach (var i in Pending)
        {
            var tx = Transactions[i];
            var result = Answers[i]!;
            entries.Add(new LedgerEntry(
                tx.TransactionId,
                string.IsNullOrEmpty(result.AccountId) ? null : result.AccountId,
                Caller.TerminalId,
                Caller.StoreId,
                Kind(tx),
                tx.BusinessTime.ToDateTimeOffset(),
                Now,
                (int)result.Outcome,
                tx.ToByteArray(),
                result.ToByteArray()));
        }

        return entries;
    }

    /// <summary>
    /// The online authorizations quoted by the transactions new to the ledger: their holds end
    /// with this batch, whatever the outcome (a sale's answer is final), so the points they held
    /// are counted once, in the ledger, from the same commit on.
    /// </summary>
    public List<string> QuotedAuthorizations()
    {
        var ids = new List<string>();
        foreach (var i in Pending)
        {
            var id = Transactions[i].BodyCase switch
            {
                TerminalTransaction.BodyOneofCase.Sale => Transactions[i].Sale.AuthorizationId,
                TerminalTransaction.BodyOneofCase.Redemption => Transactions[i].Redemption.AuthorizationId,
                _ => string.Empty,
            };
            if (id.Length > 0)
            {
                ids.Add(id);
            }
        }

        return ids;
    }

    /// <summary>The answers in batch order; an id repeated inside the batch answers as a duplicate of its first occurrence.</summary>
    public TransactionResult[] Results()
    {
        var results = new TransactionResult[Answers.Length];
        for (var i = 0; i < results.Length; i++)
        {
            results[i] = Answers[i] ?? Duplicate(Answers[FirstIndex[Transactions[i].TransactionId]]!);
        }

        return results;
    }

    public static TransactionResult Duplicate(TransactionResult original)
    {
        var copy = original.Clone();
        copy.Outcome = TransactionOutcome.Duplicate;
        return copy;
    }

    private static string Kind(TerminalTransaction tx) => tx.BodyCase switch
    {
        TerminalTransaction.BodyOneofCase.Sale => "sale",
        TerminalTransaction.BodyOneofCase.Refund => "refund",
        TerminalTransaction.BodyOneofCase.Redemption => "redemption",
        TerminalTransaction.BodyOneofCase.RewardExchange => "reward",
        _ => "unknown",
    };
}
