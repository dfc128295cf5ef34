namespace PosAgent.Cli;

/// <summary>
/// Where the CLI writes and what it reads from its environment. <see cref="System"/> is the real
/// console; tests pass writers and a dictionary of variables instead.
/// </summary>
public sealed class CliConsole
{
    /// <summary>Creates a console over the given writers.</summary>
    /// <param name="output">Standard output (results; JSON with --json).</param>
    /// <param name="error">Standard error (errors, progress).</param>
    /// <param name="environment">Reads an environment variable; null reads the process's.</param>
    /// <param name="isTerminal">Whether output is an interactive terminal (colours, live progress). Default false.</param>
    public CliConsole(TextWriter output, TextWriter error, Func<string, string?>? environment = null, bool isTerminal = false)
    {
        Output = output ?? throw new ArgumentNullException(nameof(output));
        Error = error ?? throw new ArgumentNullException(nameof(error));
        Environment = environment ?? global::System.Environment.GetEnvironmentVariable;
        IsTerminal = isTerminal;
    }

    /// <summary>The process's console.</summary>
    public static CliConsole System => new(Console.Out, Console.Error, null, !Console.IsOutputRedirected);

    public TextWriter Output { get; }

    public TextWriter Error { get; }

    public Func<string, string?> Environment { get; }

    public bool IsTerminal { get; }
}
