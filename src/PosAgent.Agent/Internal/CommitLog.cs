using System.Collections.Concurrent;
using Microsoft.Extensions.Logging;

namespace PosAgent.Agent.Internal;

/// <summary>
/// The Information line every commit gets ("Committed sale ..."), written in a batch once a
/// second rather than by the call that commits. Written there, it woke the console logger's
/// thread while the answer was on its way, and on a 2-core terminal that cost the commit about
/// 0.05 ms at the median (docs/benchmarks.md). The outbox, not the log, is the record of what was
/// committed: a crash can lose the last second's lines, never an operation.
/// </summary>
internal sealed class CommitLog(ILogger logger, TimeProvider time)
{
    /// <summary>How often the lines are written.</summary>
    public static readonly TimeSpan Interval = TimeSpan.FromSeconds(1);

    private readonly ConcurrentQueue<Entry> _pending = new();

    /// <summary>Queues the line of one committed operation; the card is masked here.</summary>
    public void Add(string kind, string operationId, string? cardNumber, bool offline)
    {
        if (logger.IsEnabled(LogLevel.Information))
        {
            _pending.Enqueue(new Entry(kind, operationId, Masking.Card(cardNumber), offline));
        }
    }

    /// <summary>Writes the queued lines, oldest first.</summary>
    public void Flush()
    {
        while (_pending.TryDequeue(out var entry))
        {
            AgentLog.Committed(logger, entry.Kind, entry.OperationId, entry.MaskedCard, entry.Offline);
        }
    }

    /// <summary>Writes the queued lines every <see cref="Interval"/> until stopped, then the rest.</summary>
    public async Task RunAsync(CancellationToken cancellationToken)
    {
        using var timer = new PeriodicTimer(Interval, time);
        try
        {
            while (await timer.WaitForNextTickAsync(cancellationToken).ConfigureAwait(false))
            {
                Flush();
            }
        }
        catch (OperationCanceledException) when (cancellationToken.IsCancellationRequested)
        {
            // Stopping: the lines still queued are written below.
        }
        finally
        {
            Flush();
        }
    }

    private readonly record struct Entry(string Kind, string OperationId, string MaskedCard, bool Offline);
}
