using PosAgent.Cli;

namespace PosAgent.Cli.Tests;

/// <summary>One run of posagent in-process, with its exit code and what it wrote.</summary>
internal sealed record CliRun(int ExitCode, string Output, string Error)
{
    public static async Task<CliRun> RunAsync(params string[] args) => await RunAsync(null, args);

    public static async Task<CliRun> RunAsync(IReadOnlyDictionary<string, string>? environment, params string[] args)
    {
        using var output = new StringWriter();
        using var error = new StringWriter();
        var console = new CliConsole(output, error, name => environment is not null && environment.TryGetValue(name, out var v) ? v : null);
        var exit = await PosAgentCli.RunAsync(args, console, CancellationToken.None).WithTimeout(TimeSpan.FromSeconds(60));
        return new CliRun(exit, output.ToString(), error.ToString());
    }
}
