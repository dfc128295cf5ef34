using PosAgent.Contracts.PosAgent.V1;
using PosAgent.TestSupport;

namespace PosAgent.Agent.Tests.Support;

internal static class Waits
{
    /// <summary>
    /// Waits (bounded) until the agent's outbox is empty: woken by its sync-state events, with a
    /// status check after each (or every half second, in case the stream was not yet subscribed).
    /// </summary>
    public static async Task<StatusResponse> UntilSyncedAsync(LocalApiClient client, TimeSpan timeout)
    {
        using var cts = new CancellationTokenSource(timeout);
        await using var events = client.WatchEventsAsync(new WatchEventsRequest { Kinds = { EventKind.SyncState } }, cts.Token).GetAsyncEnumerator(cts.Token);
        var next = events.MoveNextAsync().AsTask();
        await client.SyncNowAsync(cts.Token).WithTimeout(timeout);
        while (true)
        {
            var status = await client.GetStatusAsync(cts.Token).WithTimeout(timeout);
            if (status.Outbox.Pending == 0)
            {
                await cts.CancelAsync();
                try
                {
                    await next;
                }
                catch (Exception ex) when (ex is OperationCanceledException or Grpc.Core.RpcException)
                {
                }

                return status;
            }

            if (cts.IsCancellationRequested)
            {
                throw new TimeoutException($"the outbox still had {status.Outbox.Pending} operations after {timeout} (central: {status.Central.State} {status.Central.LastError})");
            }

            await Task.WhenAny(next, Task.Delay(500, CancellationToken.None));
            if (next.IsCompleted)
            {
                if (!await next)
                {
                    throw new InvalidOperationException("the event stream ended");
                }

                next = events.MoveNextAsync().AsTask();
            }
        }
    }
}
