using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;

namespace PosAgent.Hosting;

/// <summary>
/// For programs that embed the agent's or the central service's host in-process (the demo, tests,
/// benchmarks): the embedding program, not the embedded host, owns Ctrl+C and SIGTERM. The
/// programs run on their own (posagent-agent run, posagent-central serve) use
/// <see cref="ProgramHosting.AddProgramLifetime"/> instead.
/// </summary>
public static class EmbeddedHosting
{
    /// <summary>Replaces the console lifetime: the web host reacts to no signal; the embedding program stops it.</summary>
    public static IServiceCollection AddEmbeddedHostLifetime(this IServiceCollection services) =>
        services.AddSingleton<IHostLifetime, EmbeddedHostLifetime>();

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
