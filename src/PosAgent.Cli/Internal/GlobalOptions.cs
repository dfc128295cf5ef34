using System.CommandLine;

namespace PosAgent.Cli.Internal;

/// <summary>Options every command accepts (placed anywhere on the line).</summary>
internal sealed class GlobalOptions
{
    public Option<string?> Socket { get; } = new("--socket", "-s")
    {
        Description = $"The agent's Unix socket. Default: ${AgentEndpoint.SocketVariable}, else the first that exists of " +
            string.Join(", ", AgentEndpoint.WellKnownSockets) + ".",
        HelpName = "path",
        Recursive = true,
    };

    public Option<string?> Address { get; } = new("--address")
    {
        Description = $"The agent's loopback TCP address instead of the socket, e.g. http://127.0.0.1:5080 (or ${AgentEndpoint.AddressVariable}).",
        HelpName = "url",
        Recursive = true,
    };

    public Option<bool> Json { get; } = new("--json")
    {
        Description = "Write results as JSON (the proto3 JSON mapping of the API's messages; errors as {\"error\":{...}} on stderr).",
        Recursive = true,
    };

    public Option<double> Timeout { get; } = new("--timeout")
    {
        Description = "Seconds to wait for each answer of the agent.",
        HelpName = "seconds",
        DefaultValueFactory = _ => 10,
        Recursive = true,
    };

    public void AddTo(Command root)
    {
        root.Options.Add(Socket);
        root.Options.Add(Address);
        root.Options.Add(Json);
        root.Options.Add(Timeout);
        Timeout.Validators.Add(result =>
        {
            var value = result.GetValueOrDefault<double>();
            if (!(value > 0 && value <= 3600))
            {
                result.AddError($"--timeout: {value} is not a number of seconds between 0 and 3600.");
            }
        });
    }
}
