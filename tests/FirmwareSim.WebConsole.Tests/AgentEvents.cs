using PosAgent.Agent;
using PosAgent.Contracts.PosAgent.V1;
using PosAgent.TestSupport;

namespace FirmwareSim.WebConsole.Tests;

/// <summary>An agent's event stream, read one event at a time with bounded waits.</summary>
internal sealed class AgentEvents : IAsyncDisposable
{
    // How long a stimulus gets before it is repeated: the stream may not be subscribed on the
    // agent's side yet, or the agent may still be opening the port (it flushes input on open).
    private static readonly TimeSpan Repeat = TimeSpan.FromSeconds(2);

    private readonly CancellationTokenSource _cts = new(ConsoleLane.Patience);
    private readonly IAsyncEnumerator<AgentEvent> _events;
    private Task<bool> _next;

    public AgentEvents(LocalApiClient client, params EventKind[] kinds)
    {
        _events = client.WatchEventsAsync(new WatchEventsRequest { Kinds = { kinds } }, _cts.Token).GetAsyncEnumerator(_cts.Token);
        _next = _events.MoveNextAsync().AsTask();
    }

    /// <summary>
    /// Does <paramref name="stimulus"/> (a click) and waits for an event that matches; repeats the
    /// stimulus while none comes. Fails after <see cref="ConsoleLane.Patience"/>.
    /// </summary>
    public async Task<AgentEvent> UntilAsync(Func<Task> stimulus, Func<AgentEvent, bool> match)
    {
        while (true)
        {
            if (_cts.IsCancellationRequested)
            {
                throw new TimeoutException($"no matching agent event within {ConsoleLane.Patience}");
            }

            await stimulus();
            var repeatAt = DateTime.UtcNow + Repeat;
            while (DateTime.UtcNow < repeatAt)
            {
                var done = await Task.WhenAny(_next, Task.Delay(repeatAt - DateTime.UtcNow, _cts.Token).ContinueWith(_ => false, TaskScheduler.Default));
                if (done != _next)
                {
                    break;
                }

                Assert.True(await _next, "the agent's event stream ended");
                var current = _events.Current;
                _next = _events.MoveNextAsync().AsTask();
                if (match(current))
                {
                    return current;
                }
            }
        }
    }

    /// <summary>
    /// Waits until <paramref name="holds"/> is true of the agent's status: checked at once and after
    /// each device event (and every second, in case the stream was not subscribed yet).
    /// </summary>
    public async Task<StatusResponse> UntilStatusAsync(LocalApiClient client, Func<StatusResponse, bool> holds)
    {
        while (true)
        {
            var status = await client.GetStatusAsync(_cts.Token).WithTimeout(ConsoleLane.Patience);
            if (holds(status))
            {
                return status;
            }

            if (_cts.IsCancellationRequested)
            {
                throw new TimeoutException($"the agent's status did not change as expected within {ConsoleLane.Patience}: {status.Devices}");
            }

            await Task.WhenAny(_next, Task.Delay(1000, CancellationToken.None));
            if (_next.IsCompleted)
            {
                Assert.True(await _next, "the agent's event stream ended");
                _next = _events.MoveNextAsync().AsTask();
            }
        }
    }

    public async ValueTask DisposeAsync()
    {
        await _cts.CancelAsync();
        try
        {
            await _next;
        }
        catch (Exception ex) when (ex is OperationCanceledException or Grpc.Core.RpcException)
        {
            // The stream was cancelled.
        }

        await _events.DisposeAsync();
        _cts.Dispose();
    }
}
