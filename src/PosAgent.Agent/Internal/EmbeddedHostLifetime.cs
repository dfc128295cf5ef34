using Microsoft.Extensions.Hosting;

namespace PosAgent.Agent.Internal;

/// <summary>
/// The agent's web host is embedded (in `posagent-agent run`, the demo, tests), so whoever embeds it
/// owns Ctrl+C and SIGTERM. The default console lifetime would swallow SIGTERM to stop only the web
/// host, leaving the embedding process waiting forever.
/// </summary>
internal sealed class EmbeddedHostLifetime : IHostLifetime
{
    public Task WaitForStartAsync(CancellationToken cancellationToken) => Task.CompletedTask;

    public Task StopAsync(CancellationToken cancellationToken) => Task.CompletedTask;
}
