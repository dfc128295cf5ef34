using Google.Protobuf;
using Google.Protobuf.WellKnownTypes;
using PosAgent.Agent.Internal.Storage;
using PosAgent.Contracts.Loyalty.V1;
using PosAgent.Contracts.PosAgent.V1;

namespace PosAgent.Agent.Tests.Storage;

public sealed class OwnIdElisionTests
{
    private static readonly string Id = Guid.CreateVersion7().ToString();

    private static TerminalTransaction Transaction(string id) => new()
    {
        TransactionId = id,
        BusinessTime = Timestamp.FromDateTimeOffset(new DateTimeOffset(2026, 11, 22, 9, 0, 0, TimeSpan.Zero)),
        CardNumber = "7800000000000015",
        TerminalId = "terminal-1",
        Sale = new Sale { Lines = { new SaleLine { LineId = "1", Category = "medical", UnitPriceMinor = 150_000, Quantity = 1 } } },
    };

    [Fact]
    public void Transaction_NamedByTheRow_IsStoredWithoutItsIdAndReadBackWhole()
    {
        var transaction = Transaction(Id);

        var stored = OwnIdElision.StoreTransaction(transaction, Id);

        Assert.Equal(transaction.CalculateSize() - 2 - Id.Length, stored.Length);
        Assert.Equal(string.Empty, TerminalTransaction.Parser.ParseFrom(stored).TransactionId);
        Assert.Equal(transaction, TerminalTransaction.Parser.ParseFrom(OwnIdElision.ReadTransaction(stored, Id)));
    }

    [Fact]
    public void Transaction_WithAnotherId_IsStoredWholeAndKeepsItsOwnId()
    {
        var transaction = Transaction("imported-1");

        var stored = OwnIdElision.StoreTransaction(transaction, Id);

        Assert.Equal(transaction.ToByteArray(), stored);
        Assert.Equal(transaction, TerminalTransaction.Parser.ParseFrom(OwnIdElision.ReadTransaction(stored, Id)));
    }

    [Fact]
    public void Check_NamedByItsSale_IsStoredWithoutBothIdsAndReadBackWhole()
    {
        var check = new Check { CheckId = Id, OperationId = Id, State = CheckState.Committed, TotalMinor = 150_000, Currency = "RUB" };

        var stored = OwnIdElision.StoreCheck(check, Id);

        Assert.Equal(check.CalculateSize() - (2 * (2 + Id.Length)), stored.Length);
        Assert.Equal(check, OwnIdElision.ReadCheck(stored, Id));
        Assert.Equal(Id, check.CheckId); // the caller's check is left as it was
    }

    [Fact]
    public void Check_OfAnOlderSale_KeepsTheIdThatDiffers()
    {
        var check = new Check { CheckId = "check-1", OperationId = Id, State = CheckState.Refunded };

        var stored = OwnIdElision.StoreCheck(check, Id);

        Assert.Equal("check-1", Check.Parser.ParseFrom(stored).CheckId);
        Assert.Equal(check, OwnIdElision.ReadCheck(stored, Id));
    }
}
