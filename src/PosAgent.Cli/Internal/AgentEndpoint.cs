namespace PosAgent.Cli.Internal;

/// <summary>
/// Where the agent's local API is: a Unix socket (the default) or a loopback TCP address.
/// Resolution order: --address, --socket, $POSAGENT_ADDRESS, $POSAGENT_SOCKET, then the first
/// existing of the well-known socket paths (the agent's default data folder, the demo's, the
/// systemd unit's).
/// </summary>
internal sealed class AgentEndpoint
{
    public const string SocketVariable = "POSAGENT_SOCKET";
    public const string AddressVariable = "POSAGENT_ADDRESS";

    /// <summary>Well-known socket paths, in the order they are tried.</summary>
    public static readonly IReadOnlyList<string> WellKnownSockets =
    [
        "posagent-data/agent.sock",   // posagent-agent run, default data folder
        "var/agent/agent.sock",       // ./run.sh (the demo)
        "/run/posagent/agent.sock",   // the systemd unit in docs/operations.md
    ];

    private AgentEndpoint(string? socketPath, Uri? address, IReadOnlyList<string> tried)
    {
        SocketPath = socketPath;
        Address = address;
        Tried = tried;
    }

    public string? SocketPath { get; }

    public Uri? Address { get; }

    /// <summary>The socket paths looked at when none was given (for the error message).</summary>
    public IReadOnlyList<string> Tried { get; }

    /// <summary>"unix socket /path" or "http://127.0.0.1:port".</summary>
    public string Description => SocketPath is not null ? $"unix socket {SocketPath}" : Address!.ToString();

    public static AgentEndpoint Resolve(string? socketOption, string? addressOption, Func<string, string?> environment)
    {
        if (!string.IsNullOrEmpty(addressOption))
        {
            return FromAddress(addressOption, "--address");
        }

        if (!string.IsNullOrEmpty(socketOption))
        {
            return new AgentEndpoint(Path.GetFullPath(socketOption), null, []);
        }

        if (environment(AddressVariable) is { Length: > 0 } envAddress)
        {
            return FromAddress(envAddress, "$" + AddressVariable);
        }

        if (environment(SocketVariable) is { Length: > 0 } envSocket)
        {
            return new AgentEndpoint(Path.GetFullPath(envSocket), null, []);
        }

        var tried = WellKnownSockets.Select(Path.GetFullPath).ToArray();
        var found = tried.FirstOrDefault(File.Exists);
        return new AgentEndpoint(found ?? tried[0], null, found is null ? tried : []);
    }

    private static AgentEndpoint FromAddress(string text, string source)
    {
        if (!Uri.TryCreate(text, UriKind.Absolute, out var uri) || (uri.Scheme != Uri.UriSchemeHttp && uri.Scheme != Uri.UriSchemeHttps))
        {
            throw new CliException(CliException.UsageExitCode, "INVALID_ARGUMENT",
                $"{source}: '{text}' is not an http://host:port address (the agent's loopback TCP listener, e.g. http://127.0.0.1:5080).");
        }

        return new AgentEndpoint(null, uri, []);
    }
}
