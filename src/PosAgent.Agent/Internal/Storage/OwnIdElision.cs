using Google.Protobuf;
using PosAgent.Contracts.Loyalty.V1;
using PosAgent.Contracts.PosAgent.V1;

namespace PosAgent.Agent.Internal.Storage;

/// <summary>
/// An outbox row's op_id is not stored a second time inside the row's blobs: the transaction's id,
/// and a committed check's ids, are left out when they equal it and put back when read. A sale's
/// operation id is its check id, so that is one 36-character id three times over. With the
/// check_id column left empty for such a sale, a two-line sale's row is ~310 bytes instead of ~460:
/// three to a 1 KiB page instead of two, so fewer commits start a new page, which costs the commit
/// two more WAL frames (the header page and the parent page).
/// </summary>
internal static class OwnIdElision
{
    /// <summary>The transaction as stored: without its id when that is the row's op_id.</summary>
    /// <remarks>
    /// The id is field 1, which the serializer writes first, so leaving it out is taking a prefix
    /// off; a transaction that does not start with it is stored whole.
    /// </remarks>
    public static byte[] StoreTransaction(TerminalTransaction transaction, string operationId)
    {
        var bytes = transaction.ToByteArray();
        var prefix = IdPrefix(operationId);
        return bytes.AsSpan().StartsWith(prefix) ? bytes[prefix.Length..] : bytes;
    }

    /// <summary>
    /// The transaction as sent: the id put back in front. Parsing concatenated messages merges
    /// them, so a stored transaction that kept its own id reads the same.
    /// </summary>
    public static byte[] ReadTransaction(byte[] stored, string operationId)
    {
        var prefix = IdPrefix(operationId);
        var bytes = new byte[prefix.Length + stored.Length];
        prefix.CopyTo(bytes, 0);
        stored.CopyTo(bytes, prefix.Length);
        return bytes;
    }

    /// <summary>The check as stored in the row of operation <paramref name="operationId"/>: without the ids equal to it.</summary>
    public static byte[] StoreCheck(Check check, string operationId)
    {
        if (check.CheckId != operationId && check.OperationId != operationId)
        {
            return check.ToByteArray();
        }

        var stored = check.Clone();
        if (stored.CheckId == operationId)
        {
            stored.CheckId = string.Empty;
        }

        if (stored.OperationId == operationId)
        {
            stored.OperationId = string.Empty;
        }

        return stored.ToByteArray();
    }

    /// <summary>The check read from the row of operation <paramref name="operationId"/>: every committed check has both ids.</summary>
    public static Check ReadCheck(byte[] stored, string operationId)
    {
        var check = Check.Parser.ParseFrom(stored);
        if (check.CheckId.Length == 0)
        {
            check.CheckId = operationId;
        }

        if (check.OperationId.Length == 0)
        {
            check.OperationId = operationId;
        }

        return check;
    }

    private static byte[] IdPrefix(string operationId) => new TerminalTransaction { TransactionId = operationId }.ToByteArray();
}
