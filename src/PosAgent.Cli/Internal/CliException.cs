namespace PosAgent.Cli.Internal;

/// <summary>A failure the CLI reports to the user: a message, a stable code for --json, an exit code.</summary>
internal sealed class CliException : Exception
{
    /// <summary>The agent (or simulator) answered with an error status.</summary>
    public const int CallFailedExitCode = 1;

    /// <summary>The command line was wrong.</summary>
    public const int UsageExitCode = 2;

    /// <summary>The agent or the simulator could not be reached.</summary>
    public const int UnreachableExitCode = 3;

    public CliException(int exitCode, string code, string message, Exception? inner = null)
        : base(message, inner)
    {
        ExitCode = exitCode;
        Code = code;
    }

    public CliException()
        : this(CallFailedExitCode, "UNKNOWN", "The command failed.")
    {
    }

    public CliException(string message)
        : this(CallFailedExitCode, "UNKNOWN", message)
    {
    }

    public CliException(string message, Exception innerException)
        : this(CallFailedExitCode, "UNKNOWN", message, innerException)
    {
    }

    public int ExitCode { get; }

    /// <summary>A gRPC status name (e.g. "INVALID_ARGUMENT") or "AGENT_UNREACHABLE" / "SIMULATOR_UNREACHABLE".</summary>
    public string Code { get; }
}
