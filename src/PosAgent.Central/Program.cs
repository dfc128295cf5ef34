return await PosAgent.Central.CentralCli.RunAsync(args, Console.Out, Console.Error).ConfigureAwait(false);
