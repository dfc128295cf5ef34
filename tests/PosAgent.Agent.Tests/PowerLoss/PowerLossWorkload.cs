using System.Collections.Concurrent;
using Microsoft.Data.Sqlite;
using PosAgent.Contracts.PosAgent.V1;
using Grpc.Core;

namespace PosAgent.Agent.Tests.PowerLoss;

/// <summary>What the power-loss tests do through the agent's local API, and how they read a database back after a cut.</summary>
internal static class PowerLossWorkload
{
    /// <summary>Sales (and every n-th a refund of it) until cancelled or the agent dies; records each acknowledged operation.</summary>
    public static async Task SellAsync(LocalApiClient client, string? card, int refundEvery, ConcurrentDictionary<string, string> acknowledged, CancellationToken cancellationToken, int count = int.MaxValue)
    {
        try
        {
            for (var i = 1; i <= count; i++)
            {
                var check = await client.OpenCheckAsync(new OpenCheckRequest(), cancellationToken);
                check = await client.AddLineAsync(new AddLineRequest { CheckId = check.CheckId, Name = "Consultation", Category = "medical", UnitPriceMinor = 120_000, Quantity = 1 }, cancellationToken);
                if (card is not null)
                {
                    await client.AttachCardAsync(new AttachCardRequest { CheckId = check.CheckId, CardNumber = card }, cancellationToken);
                }

                var sale = await client.CommitAsync(new CommitRequest { CheckId = check.CheckId, Payment = new PaymentSplit { CashMinor = check.TotalMinor } }, cancellationToken);
                acknowledged[sale.OperationId] = "sale";
                if (refundEvery > 0 && i % refundEvery == 0)
                {
                    var refund = await client.RefundAsync(new RefundRequest { OperationId = sale.OperationId, Reason = "power-loss test" }, cancellationToken);
                    acknowledged[refund.RefundOperationId] = "refund";
                }
            }
        }
        catch (Exception ex) when (ex is RpcException or OperationCanceledException or HttpRequestException or IOException)
        {
            // The agent died under the call: that operation was not acknowledged.
        }
    }

    /// <summary>Opens a database as its service would after the power comes back (recovering its WAL), checks its integrity and returns the ids a query selects.</summary>
    public static HashSet<string> ReadIds(string database, string query, int cut)
    {
        Assert.True(File.Exists(database), $"cut {cut}: {database} vanished (a folder on its path was not made durable)");
        using var connection = new SqliteConnection($"Data Source={database};Pooling=False;Mode=ReadWrite");
        connection.Open();
        using var command = connection.CreateCommand();
        command.CommandText = "PRAGMA integrity_check";
        Assert.True((string)command.ExecuteScalar()! == "ok", $"cut {cut}: {Path.GetFileName(database)} is damaged");
        command.CommandText = query;
        using var reader = command.ExecuteReader();
        var ids = new HashSet<string>(StringComparer.Ordinal);
        while (reader.Read())
        {
            ids.Add(reader.GetString(0));
        }

        return ids;
    }
}
