using FirmwareSim.Cli;

return await FirmwareSimCli.Create().Parse(args).InvokeAsync();
