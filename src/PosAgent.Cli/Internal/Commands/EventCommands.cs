using System.CommandLine;
using System.Globalization;
using System.Threading.Channels;
using PosAgent.Contracts.PosAgent.V1;
using Spectre.Console;

namespace PosAgent.Cli.Internal.Commands;

/// <summary>events (tail the event stream), sync (drain the outbox with a progress bar).</summary>
internal static class EventCommands
{
    private static readonly Dictionary<string, EventKind> Kinds = new(StringComparer.OrdinalIgnoreCase)
    {
        ["scan"] = EventKind.Scan,
        ["device"] = EventKind.DeviceStatus,
        ["print"] = EventKind.PrintJobCompleted,
        ["sync"] = EventKind.SyncState,
        ["correction"] = EventKind.Correction,
        ["card"] = EventKind.CardAttached,
        ["parked"] = EventKind.OperationParked,
    };

    /// <summary>How often sync re-reads the status when no event arrives (events may be missed between calls).</summary>
    private static readonly TimeSpan StatusPollInterval = TimeSpan.FromSeconds(1);

    public static IEnumerable<Command> Create(GlobalOptions options, CliConsole console)
    {
        yield return Events(options, console);
        yield return Sync(options, console);
    }

    private static Command Events(GlobalOptions options, CliConsole console)
    {
        var kinds = new Option<string[]>("--kind")
        {
            Description = "Only these kinds (repeatable): " + string.Join(", ", Kinds.Keys) + ". Default: all.",
            HelpName = "kind",
        };
        kinds.AcceptOnlyFromAmong([.. Kinds.Keys]);
        var count = new Option<int?>("--count", "-n") { Description = "Stop after this many events. Default: run until Ctrl+C.", HelpName = "n" };
        count.Validators.Add(r =>
        {
            if (r.GetValueOrDefault<int?>() is < 1)
            {
                r.AddError("--count: must be 1 or more.");
            }
        });
        var command = new Command("events", "Follows the agent's event stream: scans, device status, print jobs, sync state, corrections (one line, or one JSON object, per event).") { kinds, count };
        CommandAction.Set(command, options, console, async (context, ct) =>
        {
            using var agent = context.ConnectToAgent();
            var request = new WatchEventsRequest();
            request.Kinds.AddRange((context.Parse.GetValue(kinds) ?? []).Select(k => Kinds[k]));
            var limit = context.Parse.GetValue(count);
            var seen = 0;
            try
            {
                await foreach (var e in agent.StreamAsync(AgentApi.WatchEvents, request, ct).ConfigureAwait(false))
                {
                    if (context.Json)
                    {
                        context.WriteJson(e);
                    }
                    else
                    {
                        context.Console.Output.WriteLine(Render.Event(e));
                    }

                    await context.Console.Output.FlushAsync(ct).ConfigureAwait(false);
                    if (++seen == limit)
                    {
                        return 0;
                    }
                }
            }
            catch (OperationCanceledException) when (ct.IsCancellationRequested)
            {
                // Ctrl+C is the normal way to stop following.
                return 0;
            }

            throw new CliException(CliException.CallFailedExitCode, "UNAVAILABLE", $"The agent at {agent.Endpoint.Description} ended the event stream (it is stopping?).");
        });
        return command;
    }

    private static Command Sync(GlobalOptions options, CliConsole console)
    {
        var noWait = new Option<bool>("--no-wait") { Description = "Only ask for a sync and print the backlog; do not wait for it to drain." };
        var wait = new Option<double>("--wait")
        {
            Description = "Longest time to wait for the backlog to drain, seconds. Default 300.",
            DefaultValueFactory = _ => 300,
            HelpName = "seconds",
        };
        var stall = new Option<double>("--give-up-after")
        {
            Description = "Stop waiting when the agent is offline and nothing has synced for this long, seconds. Default 15.",
            DefaultValueFactory = _ => 15,
            HelpName = "seconds",
        };
        var command = new Command("sync", "Sends the outbox to the central service now (and probes it if offline); shows a progress bar while the backlog drains.") { noWait, wait, stall };
        CommandAction.Set(command, options, console, async (context, ct) =>
        {
            using var agent = context.ConnectToAgent();
            using var watch = CancellationTokenSource.CreateLinkedTokenSource(ct);
            var events = Channel.CreateUnbounded<SyncStateEvent>();
            var pump = context.Parse.GetValue(noWait) ? Task.CompletedTask : PumpSyncEventsAsync(agent, events.Writer, watch.Token);
            try
            {
                var first = await agent.CallAsync(AgentApi.SyncNow, new SyncNowRequest(), ct).ConfigureAwait(false);
                if (context.Parse.GetValue(noWait) || first.Pending == 0 || first.State == ConnectivityState.NotConfigured)
                {
                    return Report(context, first, first.Pending, agent.Endpoint.Description, waited: false);
                }

                var final = await DrainAsync(context, agent, first, events.Reader,
                    TimeSpan.FromSeconds(context.Parse.GetValue(wait)), TimeSpan.FromSeconds(context.Parse.GetValue(stall)), ct).ConfigureAwait(false);
                return Report(context, final, first.Pending, agent.Endpoint.Description, waited: true);
            }
            finally
            {
                await watch.CancelAsync().ConfigureAwait(false);
                await pump.ConfigureAwait(ConfigureAwaitOptions.SuppressThrowing);
            }
        });
        return command;
    }

    private static async Task PumpSyncEventsAsync(AgentConnection agent, ChannelWriter<SyncStateEvent> writer, CancellationToken cancellationToken)
    {
        try
        {
            var request = new WatchEventsRequest { Kinds = { EventKind.SyncState } };
            await foreach (var e in agent.StreamAsync(AgentApi.WatchEvents, request, cancellationToken).ConfigureAwait(false))
            {
                await writer.WriteAsync(e.SyncState, cancellationToken).ConfigureAwait(false);
            }
        }
        catch (Exception ex) when (ex is OperationCanceledException or CliException)
        {
            // The status poll carries on without events.
        }
        finally
        {
            writer.TryComplete();
        }
    }

    private static async Task<SyncNowResponse> DrainAsync(CommandContext context, AgentConnection agent, SyncNowResponse first, ChannelReader<SyncStateEvent> events,
        TimeSpan wait, TimeSpan stallLimit, CancellationToken cancellationToken)
    {
        var current = first.Clone();
        var deadline = DateTime.UtcNow + wait;
        var lastProgress = DateTime.UtcNow;

        async Task<bool> StepAsync()
        {
            var before = current.Pending;
            using var poll = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken);
            poll.CancelAfter(StatusPollInterval);
            try
            {
                var e = await events.ReadAsync(poll.Token).ConfigureAwait(false);
                current.Pending = e.Pending;
                current.Parked = e.Parked;
                current.State = e.State;
            }
            catch (Exception ex) when ((ex is OperationCanceledException && !cancellationToken.IsCancellationRequested) || ex is ChannelClosedException)
            {
                var status = await agent.CallAsync(AgentApi.GetStatus, new GetStatusRequest(), cancellationToken).ConfigureAwait(false);
                current.Pending = status.Outbox?.Pending ?? current.Pending;
                current.Parked = status.Outbox?.Parked ?? current.Parked;
                current.State = status.Central?.State ?? current.State;
            }

            if (current.Pending < before)
            {
                lastProgress = DateTime.UtcNow;
            }

            var stalled = current.State is ConnectivityState.Offline or ConnectivityState.NotConfigured && DateTime.UtcNow - lastProgress > stallLimit;
            return current.Pending > 0 && !stalled && DateTime.UtcNow < deadline;
        }

        if (context.Json)
        {
            while (await StepAsync().ConfigureAwait(false))
            {
            }

            return current;
        }

        if (!context.Console.IsTerminal)
        {
            // Not a terminal (a log, a pipe): one plain line per change instead of a live bar.
            var shown = first.Pending;
            while (await StepAsync().ConfigureAwait(false))
            {
                if (current.Pending != shown)
                {
                    shown = current.Pending;
                    await context.Console.Error.WriteLineAsync($"syncing: {current.Pending} pending, central {Fmt.Enum(current.State)}").ConfigureAwait(false);
                }
            }

            await context.Console.Error.WriteLineAsync($"synced {Math.Max(0, first.Pending - current.Pending)} of {first.Pending}").ConfigureAwait(false);
            return current;
        }

        await context.Err.Progress()
            .AutoClear(false)
            .Columns(new TaskDescriptionColumn(), new ProgressBarColumn(), new PercentageColumn(), new RemainingTimeColumn(), new SpinnerColumn())
            .StartAsync(async progress =>
            {
                var task = progress.AddTask($"syncing {first.Pending} operations", maxValue: Math.Max(1, first.Pending));
                while (await StepAsync().ConfigureAwait(false))
                {
                    task.Value = Math.Max(0, first.Pending - current.Pending);
                    task.Description = $"syncing: {current.Pending} pending, central {Fmt.Enum(current.State)}";
                }

                task.Value = Math.Max(0, first.Pending - current.Pending);
                task.Description = $"synced {Math.Max(0, first.Pending - current.Pending)} of {first.Pending}";
                task.StopTask();
            }).ConfigureAwait(false);
        return current;
    }

    private static int Report(CommandContext context, SyncNowResponse final, long initialPending, string endpoint, bool waited)
    {
        var failed = waited && final.Pending > 0;
        if (context.Json)
        {
            context.WriteJson(final);
        }
        else
        {
            context.Out.WriteLine(string.Create(CultureInfo.InvariantCulture,
                $"{Math.Max(0, initialPending - final.Pending)} synced, {final.Pending} pending, {final.Parked} parked; central {Fmt.Enum(final.State)} (agent at {endpoint})"));
        }

        if (final.State == ConnectivityState.NotConfigured && final.Pending > 0)
        {
            throw new CliException(CliException.CallFailedExitCode, "FAILED_PRECONDITION", "The agent has no central service configured (centralAddress), so its outbox cannot be sent; see docs/agent.md.");
        }

        if (failed)
        {
            throw new CliException(CliException.CallFailedExitCode, "UNAVAILABLE", final.State is ConnectivityState.Offline
                ? $"The central service is unreachable: {final.Pending} operations are still pending (they are safe in the outbox and will sync when it is back)."
                : $"The backlog did not drain in time: {final.Pending} operations are still pending (they are safe in the outbox; raise --wait).");
        }

        return 0;
    }
}
