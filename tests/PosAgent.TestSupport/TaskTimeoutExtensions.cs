namespace PosAgent.TestSupport;

/// <summary>Every await in a test is bounded, so a hang fails fast with a message instead of stalling CI.</summary>
public static class TaskTimeoutExtensions
{
    public static readonly TimeSpan DefaultTimeout = TimeSpan.FromSeconds(20);

    public static async Task<T> WithTimeout<T>(this Task<T> task, TimeSpan? timeout = null)
    {
        await ((Task)task).WithTimeout(timeout);
        return await task;
    }

    public static async Task WithTimeout(this Task task, TimeSpan? timeout = null)
    {
        var limit = timeout ?? DefaultTimeout;
        using var cts = new CancellationTokenSource();
        var finished = await Task.WhenAny(task, Task.Delay(limit, cts.Token));
        if (finished != task)
        {
            throw new TimeoutException($"The operation did not complete within {limit}.");
        }

        await cts.CancelAsync();
        await task;
    }

    public static Task WithTimeout(this ValueTask task, TimeSpan? timeout = null) => task.AsTask().WithTimeout(timeout);

    public static Task<T> WithTimeout<T>(this ValueTask<T> task, TimeSpan? timeout = null) => task.AsTask().WithTimeout(timeout);
}
