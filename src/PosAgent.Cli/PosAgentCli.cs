using System.CommandLine;
using PosAgent.Cli.Internal;
using PosAgent.Cli.Internal.Commands;

namespace PosAgent.Cli;

/// <summary>
/// posagent: the command-line client of the agent's local API (protos/posagent/v1/agent.proto),
/// for integrators and technicians. Exit codes: 0 done, 1 the agent refused (its status code and
/// message are shown), 2 the command line is wrong, 3 the agent or the simulator cannot be reached.
/// </summary>
public static class PosAgentCli
{
    /// <summary>Parses and runs one command line.</summary>
    public static async Task<int> RunAsync(IReadOnlyList<string> args, CliConsole console, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(args);
        ArgumentNullException.ThrowIfNull(console);
        var options = new GlobalOptions();
        var root = CreateRootCommand(options, console);
        var parse = root.Parse(args);
        if (parse.Errors.Count > 0)
        {
            var json = args.Contains("--json");
            foreach (var error in parse.Errors)
            {
                CommandAction.WriteError(console, json, "USAGE", error.Message);
            }

            if (!json)
            {
                var name = parse.CommandResult.Command == root ? string.Empty : parse.CommandResult.Command.Name + " ";
                console.Error.WriteLine($"Run 'posagent {name}--help' for usage.");
            }

            return CliException.UsageExitCode;
        }

        var invocation = new InvocationConfiguration { Output = console.Output, Error = console.Error };
        return await parse.InvokeAsync(invocation, cancellationToken).ConfigureAwait(false);
    }

    private static RootCommand CreateRootCommand(GlobalOptions options, CliConsole console)
    {
        var root = new RootCommand(
            "posagent: talk to the PosAgent terminal agent over its local API.\n" +
            "Checks: open, add-line, attach, quote, commit, refund, show, cancel. Cards: balance. " +
            "Terminal: status, events, sync, receipt, ping. Devices: scan (through firmware-sim).\n" +
            "Money is in minor units (12000 = 120.00), points are whole numbers.");
        options.AddTo(root);
        foreach (var command in StatusCommands.Create(options, console)
                     .Concat(CheckCommands.Create(options, console))
                     .Concat(MemberCommands.Create(options, console))
                     .Concat(EventCommands.Create(options, console))
                     .Concat(ScanCommand.Create(options, console)))
        {
            root.Subcommands.Add(command);
        }

        return root;
    }
}
