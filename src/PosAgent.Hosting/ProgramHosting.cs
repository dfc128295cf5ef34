using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.DependencyInjection.Extensions;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Hosting.Systemd;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Logging.Console;

namespace PosAgent.Hosting;

/// <summary>
/// What the product's long-running programs (posagent-agent run, posagent-central serve) share on
/// the Generic Host: the lifetime (Ctrl+C/SIGTERM, or systemd's), console logging in one format,
/// the shutdown bound, and the exit codes.
/// </summary>
public static class ProgramHosting
{
    /// <summary>
    /// True under systemd: the parent is systemd (what <see cref="SystemdHelpers.IsSystemdService"/>
    /// checks), or the service manager gave a notify socket (Type=notify through a wrapper such as
    /// runuser or systemd-run, or a container whose PID 1 is the program).
    /// </summary>
    public static bool UnderSystemd =>
        SystemdHelpers.IsSystemdService() || !string.IsNullOrEmpty(Environment.GetEnvironmentVariable("NOTIFY_SOCKET"));

    /// <summary>
    /// The lifetime of a program run by an operator or a service manager: under systemd,
    /// <see cref="SystemdLifetime"/> (READY=1 once started, STOPPING=1 when stopping, SIGTERM
    /// stops) and the watchdog when the unit sets WatchdogSec; elsewhere the console lifetime
    /// (Ctrl+C and SIGTERM stop the host). Stops take at most <paramref name="shutdownTimeout"/>.
    /// </summary>
    public static IServiceCollection AddProgramLifetime(this IServiceCollection services, TimeSpan shutdownTimeout)
    {
        ArgumentNullException.ThrowIfNull(services);
        services.Configure<HostOptions>(o => o.ShutdownTimeout = shutdownTimeout);
        // The consoles' own messages ("Application started. Press Ctrl+C to shut down.") are not the program's.
        services.Configure<ConsoleLifetimeOptions>(o => o.SuppressStatusMessages = true);
        if (UnderSystemd)
        {
            services.TryAddSingleton<ISystemdNotifier, SystemdNotifier>();
            services.AddSingleton<IHostLifetime, SystemdLifetime>();
            if (SystemdWatchdog.Interval() is { } interval)
            {
                services.AddHostedService(sp => new SystemdWatchdog(sp.GetRequiredService<ISystemdNotifier>(), interval, TimeProvider.System));
            }
        }

        return services;
    }

    /// <summary>
    /// For programs that embed a host (tests, the demo, benchmarks): the host reacts to no signal
    /// and the embedding program stops it. Stops take at most <paramref name="shutdownTimeout"/>.
    /// </summary>
    public static IServiceCollection AddEmbeddedLifetime(this IServiceCollection services, TimeSpan shutdownTimeout)
    {
        ArgumentNullException.ThrowIfNull(services);
        services.Configure<HostOptions>(o => o.ShutdownTimeout = shutdownTimeout);
        return services.AddEmbeddedHostLifetime();
    }

    /// <summary>
    /// One console log format for every program: a single line per entry with a UTC timestamp; under
    /// systemd, the systemd format instead (a &lt;N&gt; syslog priority prefix that journald turns into
    /// the entry's priority, so <c>journalctl -p warning</c> works; journald stamps the time itself).
    /// </summary>
    public static ILoggingBuilder AddProgramConsole(this ILoggingBuilder builder, LogLevel level)
    {
        ArgumentNullException.ThrowIfNull(builder);
        builder.ClearProviders();
        if (UnderSystemd)
        {
            builder.AddSystemdConsole(o => o.IncludeScopes = false);
        }
        else
        {
            builder.AddSimpleConsole(o =>
            {
                o.SingleLine = true;
                o.TimestampFormat = "yyyy-MM-ddTHH:mm:ss.fffZ ";
                o.UseUtcTimestamp = true;
            });
        }

        return builder.SetProgramLogLevel(level);
    }
}

/// <summary>The exit codes of the long-running programs (docs/operations.md lists them).</summary>
public static class ExitCodes
{
    /// <summary>Stopped on request (Ctrl+C, SIGTERM, systemctl stop) after a clean shutdown.</summary>
    public const int Ok = 0;

    /// <summary>Could not start: the configuration was valid but a resource was not (the database, a port, a certificate, the store).</summary>
    public const int StartFailed = 1;

    /// <summary>The configuration is invalid (a setting's value, a bad file): fix it, restarting will not help.</summary>
    public const int ConfigurationInvalid = 2;
}

/// <summary>
/// Sends WATCHDOG=1 at half the interval systemd asked for (WATCHDOG_USEC, from WatchdogSec=), so a
/// hung process (no thread pool thread free to run this loop) is restarted by systemd.
/// </summary>
internal sealed class SystemdWatchdog(ISystemdNotifier notifier, TimeSpan interval, TimeProvider time) : BackgroundService
{
    /// <summary>Half of WATCHDOG_USEC when it is set for this process (WATCHDOG_PID absent or ours), else null.</summary>
    public static TimeSpan? Interval()
    {
        if (!long.TryParse(Environment.GetEnvironmentVariable("WATCHDOG_USEC"), out var usec) || usec <= 0)
        {
            return null;
        }

        if (Environment.GetEnvironmentVariable("WATCHDOG_PID") is { Length: > 0 } pid
            && (!int.TryParse(pid, out var forPid) || forPid != Environment.ProcessId))
        {
            return null;
        }

        return TimeSpan.FromTicks(Math.Max(usec * 10 / 2, TimeSpan.TicksPerMillisecond));
    }

    protected override async Task ExecuteAsync(CancellationToken stoppingToken)
    {
        using var timer = new PeriodicTimer(interval, time);
        try
        {
            do
            {
                notifier.Notify(new ServiceState("WATCHDOG=1"));
            }
            while (await timer.WaitForNextTickAsync(stoppingToken).ConfigureAwait(false));
        }
        catch (OperationCanceledException) when (stoppingToken.IsCancellationRequested)
        {
        }
    }
}
