using System.CommandLine;
using PosAgent.Contracts.PosAgent.V1;

namespace PosAgent.Cli.Internal.Commands;

/// <summary>balance.</summary>
internal static class MemberCommands
{
    public static IEnumerable<Command> Create(GlobalOptions options, CliConsole console)
    {
        var card = new Argument<string>("card-number") { Description = "The loyalty card number." };
        var balance = new Command("balance", "Balance, tier and state of a card (from the central service; offline from the agent's cache, marked as an estimate).") { card };
        CommandAction.Set(balance, options, console, async (context, ct) =>
        {
            using var agent = context.ConnectToAgent();
            var response = await agent.CallAsync(AgentApi.GetBalance, new GetBalanceRequest { CardNumber = context.Parse.GetValue(card)! }, ct).ConfigureAwait(false);
            context.Write(response, Render.Balance);

            return 0;
        });
        yield return balance;
    }
}
