using PosAgent.Demo;

return await DemoCommandLine.RunAsync(args, Console.Out, Console.Error, CancellationToken.None).ConfigureAwait(false);
