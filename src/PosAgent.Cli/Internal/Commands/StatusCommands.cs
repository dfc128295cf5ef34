using System.CommandLine;
using System.Diagnostics;
using System.Globalization;
using PosAgent.Contracts.PosAgent.V1;
using Spectre.Console;

namespace PosAgent.Cli.Internal.Commands;

/// <summary>status, ping.</summary>
internal static class StatusCommands
{
    public static IEnumerable<Command> Create(GlobalOptions options, CliConsole console)
    {
        var status = new Command("status", "Devices, central connectivity, outbox backlog, last sync, program versions, offline exposure.");
        CommandAction.Set(status, options, console, async (context, ct) =>
        {
            using var agent = context.ConnectToAgent();
            var response = await agent.CallAsync(AgentApi.GetStatus, new GetStatusRequest(), ct).ConfigureAwait(false);
            if (context.Json)
            {
                context.WriteJson(response);
            }
            else
            {
                Render.Status(context.Out, response, agent.Endpoint.Description);
            }

            return 0;
        });
        yield return status;

        var ping = new Command("ping", "Checks that the agent answers, and how fast (an empty call).");
        CommandAction.Set(ping, options, console, async (context, ct) =>
        {
            using var agent = context.ConnectToAgent();
            var started = Stopwatch.GetTimestamp();
            await agent.CallAsync(AgentApi.Ping, new PingRequest(), ct).ConfigureAwait(false);
            var elapsed = Stopwatch.GetElapsedTime(started);
            if (context.Json)
            {
                context.Console.Output.WriteLine(string.Create(CultureInfo.InvariantCulture, $"{{\"endpoint\":\"{System.Text.Encodings.Web.JavaScriptEncoder.Default.Encode(agent.Endpoint.Description)}\",\"milliseconds\":{elapsed.TotalMilliseconds:0.###}}}"));
            }
            else
            {
                context.Out.WriteLine(string.Create(CultureInfo.InvariantCulture, $"the agent at {agent.Endpoint.Description} answered in {elapsed.TotalMilliseconds:0.0} ms"));
            }

            return 0;
        });
        yield return ping;
    }
}
