namespace PosAgent.Cli.Tests;

/// <summary>Runs a program to its end (bounded) from the repository root, capturing what it wrote.</summary>
internal static class ExternalProcess
{
    public static Task<(int ExitCode, string Output, string Error)> RunAsync(string file, IEnumerable<string> args, IReadOnlyDictionary<string, string>? environment = null, TimeSpan? timeout = null) =>
        ForeignProcess.RunAsync(file, args, environment, timeout, RealAgent.RepoRoot);
}
