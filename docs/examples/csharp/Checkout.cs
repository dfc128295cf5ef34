// A checkout against the PosAgent local API, in C#, with the project's client
// (PosAgent.Agent.LocalApiClient over grpc-dotnet's generated clients; messages from PosAgent.Contracts).
// Reference src/PosAgent.Agent (for LocalApiClient) and call:
//     await CheckoutExample.RunAsync("/run/posagent/agent.sock", "2601000000014", Console.Out);
using Grpc.Core;
using PosAgent.Agent;
using PosAgent.Contracts.PosAgent.V1;

namespace PosAgent.Examples;

public static class CheckoutExample
{
    /// <summary>Opens a check, adds a line, attaches a card, quotes, pays partly with points. Returns the operation id.</summary>
    public static async Task<string> RunAsync(string socketPath, string cardNumber, TextWriter output, CancellationToken cancellationToken = default)
    {
        // One client per process: it keeps the connection to the agent's Unix socket.
        using var agent = LocalApiClient.ForUnixSocket(socketPath);

        var status = await agent.GetStatusAsync(cancellationToken);
        await output.WriteLineAsync($"agent {status.TerminalId}: central {status.Central.State}, {status.Outbox.Pending} operations pending");

        var check = await agent.OpenCheckAsync(new OpenCheckRequest { ClientReference = "csharp-example" }, cancellationToken);
        // Money is in minor units: 4500.00 is 450000.
        check = await agent.AddLineAsync(new AddLineRequest
        {
            CheckId = check.CheckId, Sku = "LAB-CBC", Name = "Complete blood count", Category = "lab", UnitPriceMinor = 450_000, Quantity = 1,
        }, cancellationToken);

        // Bad input is INVALID_ARGUMENT with a message that names the field.
        try
        {
            await agent.AddLineAsync(new AddLineRequest { CheckId = check.CheckId, Sku = "X", Name = "X", Category = "lab", UnitPriceMinor = -1, Quantity = 1 }, cancellationToken);
        }
        catch (RpcException error) when (error.StatusCode == StatusCode.InvalidArgument)
        {
            await output.WriteLineAsync($"refused as expected: {error.StatusCode}: {error.Status.Detail}");
        }

        check = await agent.AttachCardAsync(new AttachCardRequest { CheckId = check.CheckId, CardNumber = cardNumber }, cancellationToken);
        var quote = await agent.QuoteAsync(new QuoteRequest { CheckId = check.CheckId }, cancellationToken);
        await output.WriteLineAsync($"card {check.Card.MaskedNumber}: earns {quote.PointsToEarn}, may spend up to {quote.MaxPointsSpendable} ({quote.BindingLimit})");

        // Pay part with points, the rest in cash: the parts must add up to the total.
        var points = Math.Min(quote.MaxPointsSpendable, 100);
        var payment = new PaymentSplit { Points = points, CashMinor = quote.TotalMinor - (points * quote.MinorPerPoint) };
        var result = await agent.CommitAsync(new CommitRequest { CheckId = check.CheckId, Payment = payment }, cancellationToken);
        await output.WriteLineAsync($"committed {result.OperationId}: earned {result.PointsEarned}, spent {result.PointsSpent}, balance {result.BalanceAfter}{(result.Pending ? " (pending)" : string.Empty)}");
        await output.WriteLineAsync($"OK {result.OperationId}");
        return result.OperationId;
    }
}
