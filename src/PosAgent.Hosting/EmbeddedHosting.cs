using System.Runtime.InteropServices;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;

namespace PosAgent.Hosting;

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

    /// <summary>
    /// Starts listening for SIGTERM (and <paramref name="cancellationToken"/>, Ctrl+C) now. Call it
    /// before starting the host: a SIGTERM that arrives while the program starts (or just after it
    /// says it is ready) then stops it cleanly, instead of the runtime's default exit 143.
    /// </summary>
    public static ShutdownSignal ListenForShutdown(CancellationToken cancellationToken) => new(cancellationToken);

    /// <summary>
    /// Logs at <paramref name="level"/>, except the web framework's own per-request lines (request
    /// starting and finished, endpoint executing and executed: four Information lines for every
    /// call, dozens per checkout), which stay at Warning unless Debug or Trace is asked for. They
    /// buried the program's own lines in the journal, and writing them cost each call a console
    /// write on a thread that then competed with the call for the CPU.
    /// Kestrel's own warnings (a peer that sent a malformed frame or dropped its connection) are
    /// the peer's problem, not the program's: they stay at Error unless Debug or Trace is asked for.
    /// </summary>
    public static ILoggingBuilder SetProgramLogLevel(this ILoggingBuilder builder, LogLevel level) =>
        builder.SetMinimumLevel(level)
            .AddFilter("Microsoft.AspNetCore", level <= LogLevel.Debug ? level : LogLevel.Warning)
            .AddFilter("Microsoft.AspNetCore.Server.Kestrel", level <= LogLevel.Debug ? level : LogLevel.Error);

    private sealed class EmbeddedHostLifetime : IHostLifetime
    {
        public Task WaitForStartAsync(CancellationToken cancellationToken) => Task.CompletedTask;

        public Task StopAsync(CancellationToken cancellationToken) => Task.CompletedTask;
    }
}

/// <summary>Ctrl+C or SIGTERM, caught from the moment it is created (see <see cref="EmbeddedHosting.ListenForShutdown"/>).</summary>
public sealed class ShutdownSignal : IDisposable
{
    private readonly CancellationTokenSource _stop;
    private readonly PosixSignalRegistration _sigterm;

    internal ShutdownSignal(CancellationToken cancellationToken)
    {
        _stop = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken);
        _sigterm = PosixSignalRegistration.Create(PosixSignal.SIGTERM, context =>
        {
            // Cancel the runtime's default (exit 143 before the host is disposed) and stop cleanly instead.
            context.Cancel = true;
            _stop.Cancel();
        });
    }

    /// <summary>Completes when Ctrl+C or SIGTERM has arrived (at once if it already has).</summary>
    public async Task WaitAsync()
    {
        try
        {
            await Task.Delay(Timeout.Infinite, _stop.Token).ConfigureAwait(false);
        }
        catch (OperationCanceledException)
        {
        }
    }

    public void Dispose()
    {
        _sigterm.Dispose();
        _stop.Dispose();
    }
}
