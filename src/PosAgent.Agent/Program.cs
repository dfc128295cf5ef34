using PosAgent.Agent;

return await AgentCommandLine.RunAsync(args).ConfigureAwait(false);
