using System.CommandLine;
using PosAgent.Contracts.PosAgent.V1;

namespace PosAgent.Cli.Internal.Commands;

/// <summary>balance.</summary>
internal static class MemberCommands
{
    public static IEnumerable<Command> Create(GlobalOptions options, CliConsole console)
    {
        var card = new Argument<string>("card-number") { Description = "The loyalty card number." };
        var asOf = new Option<DateTimeOffset?>("--as-of") { Description = "Figures as they will stand at this time if nothing else happens (what will be usable, what expires by then). Default: now.", HelpName = "time" };
        var balance = new Command("balance", "Balance, tier and state of a card (from the central service; offline from the agent's cache, marked as an estimate).") { card, asOf };
        CommandAction.Set(balance, options, console, async (context, ct) =>
        {
            using var agent = context.ConnectToAgent();
            var request = new GetBalanceRequest { CardNumber = context.Parse.GetValue(card)! };
            if (context.Parse.GetValue(asOf) is { } at)
            {
                request.AsOf = Google.Protobuf.WellKnownTypes.Timestamp.FromDateTimeOffset(at);
            }

            var response = await agent.CallAsync(AgentApi.GetBalance, request, ct).ConfigureAwait(false);
            context.Write(response, Render.Balance);

            return 0;
        });
        yield return balance;
    }
}
