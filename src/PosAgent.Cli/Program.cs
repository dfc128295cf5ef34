using PosAgent.Cli;

return await PosAgentCli.RunAsync(args, CliConsole.System, CancellationToken.None).ConfigureAwait(false);
