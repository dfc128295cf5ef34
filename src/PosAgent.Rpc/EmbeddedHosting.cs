using System.Runtime.InteropServices;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Hosting;

namespace PosAgent.Rpc;

/// <summary>
/// For programs that embed a gRPC web host (the agent, the central service, the demo): the program,
/// not the web host, owns Ctrl+C and SIGTERM. The default console lifetime swallows SIGTERM to stop
/// only the web host, which leaves the program waiting forever and systemd killing it 90 s later.
/// </summary>
public static class EmbeddedHosting
{
    /// <summary>Replaces the console lifetime: the web host reacts to no signal; the embedding program stops it.</summary>
    public static IServiceCollection AddEmbeddedHostLifetime(this IServiceCollection services) =>
        services.AddSingleton<IHostLifetime, EmbeddedHostLifetime>();

    /// <summary>Completes when <paramref name="cancellationToken"/> is cancelled (Ctrl+C) or SIGTERM arrives.</summary>
    public static async Task WaitForShutdownAsync(CancellationToken cancellationToken)
    {
        using var stop = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken);
        using var sigterm = PosixSignalRegistration.Create(PosixSignal.SIGTERM, context =>
        {
            // Cancel the runtime's default (exit 143 before the host is disposed) and stop cleanly instead.
            context.Cancel = true;
            stop.Cancel();
        });
        try
        {
            await Task.Delay(Timeout.Infinite, stop.Token).ConfigureAwait(false);
        }
        catch (OperationCanceledException)
        {
        }
    }

    private sealed class EmbeddedHostLifetime : IHostLifetime
    {
        public Task WaitForStartAsync(CancellationToken cancellationToken) => Task.CompletedTask;

        public Task StopAsync(CancellationToken cancellationToken) => Task.CompletedTask;
    }
}
