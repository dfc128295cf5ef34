using System.Globalization;
using Google.Protobuf.WellKnownTypes;
using PosAgent.Agent.Internal.Storage;
using PosAgent.Contracts.Loyalty.V1;
using PosAgent.Contracts.PosAgent.V1;

namespace PosAgent.Agent.Benchmarks;

/// <summary>The outbox write alone (no API, no rules): what a durable commit costs in SQLite.</summary>
internal static class StoreProbe
{
    public static Task<int> RunAsync(string[] args)
    {
        var iterations = int.Parse(BenchSupport.Arg(args, "--iterations", "2000"), CultureInfo.InvariantCulture);
        var folder = Path.Combine(Path.GetTempPath(), "pa-store-" + Environment.ProcessId);
        Directory.CreateDirectory(folder);
        try
        {
            using var store = AgentStore.Open(Path.Combine(folder, "agent.db"), TimeProvider.System);
            var samples = new List<double>();
            var withCheck = new List<double>();
            for (var i = 0; i < iterations; i++)
            {
                var id = Guid.CreateVersion7().ToString();
                var tx = new TerminalTransaction
                {
                    TransactionId = id,
                    BusinessTime = Timestamp.FromDateTimeOffset(DateTimeOffset.UtcNow),
                    CardNumber = "7800000000000001",
                    Sale = new Sale { Lines = { new SaleLine { LineId = "1", Category = "medical", UnitPriceMinor = 150000, Quantity = 1 }, new SaleLine { LineId = "2", Category = "medical", UnitPriceMinor = 150100, Quantity = 1 } }, Payments = { new Payment { Kind = PaymentKind.Cash, AmountMinor = 300100 } } },
                };
                var op = new OutboxOperation(id, "sale", tx.CardNumber, DateTimeOffset.UtcNow, tx, false, 9, 0);
                var check = i % 2 == 0 ? null : new Check { CheckId = Guid.CreateVersion7().ToString(), OperationId = id, TotalMinor = 300100 };
                var start = System.Diagnostics.Stopwatch.GetTimestamp();
                store.Commit(op, check, 0);
                (check is null ? samples : withCheck).Add(BenchSupport.ElapsedMicroseconds(start));
                if (i % 100 == 0)
                {
                    store.Checkpoint();
                }
            }

            Console.WriteLine(BenchSupport.Percentiles("store commit (outbox only)", samples));
            Console.WriteLine(BenchSupport.Percentiles("store commit (+ check)", withCheck));
            return Task.FromResult(0);
        }
        finally
        {
            Directory.Delete(folder, recursive: true);
        }
    }
}
