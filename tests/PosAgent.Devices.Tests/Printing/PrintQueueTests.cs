using PosAgent.Devices.Printing;
using PosAgent.TestSupport;

namespace PosAgent.Devices.Tests.Printing;

public sealed class PrintQueueTests : IDisposable
{
    private readonly TempDirectory _dir = new("pa-pq-");

    public void Dispose() => _dir.Dispose();

    private static Receipt Sample(string text) => new ReceiptBuilder(new PrinterProfile()).Line(text).Cut().Build();

    [Fact]
    public void Enqueue_ThenNext_ReturnsOldestWithBytesAndBoundaries()
    {
        using var queue = new PrintQueue(_dir.File("q.db"));
        var first = Sample("first");

        var id = queue.Enqueue(first);
        queue.Enqueue(Sample("second"));
        var next = queue.Next();

        Assert.NotNull(next);
        Assert.Equal(id, next.Id);
        Assert.Equal(first.Bytes, next.Bytes);
        Assert.Equal(first.Boundaries, next.Boundaries);
        Assert.Equal(PrintJobState.Queued, next.State);
        Assert.Equal(2, queue.PendingCount);
    }

    [Fact]
    public void Reopen_JobWasPrinting_ComesBackHeldAsMayHavePrinted()
    {
        var path = _dir.File("q.db");
        string printing, waiting;
        using (var queue = new PrintQueue(path))
        {
            printing = queue.Enqueue(Sample("one"));
            waiting = queue.Enqueue(Sample("two"));
            queue.MarkPrinting(printing);
        }

        using var reopened = new PrintQueue(path);
        var job = reopened.Get(printing);

        Assert.NotNull(job);
        Assert.Equal((PrintJobState.Held, true), (job.State, job.MayHavePrinted));
        Assert.Contains("restart", job.HeldReason, StringComparison.Ordinal);
        Assert.False(reopened.Get(waiting)!.MayHavePrinted);
        Assert.Equal(2, reopened.PendingCount);
    }

    [Fact]
    public void MarkCompleted_JobLeavesQueue_AndStaysQueryable()
    {
        using var queue = new PrintQueue(_dir.File("q.db"));
        var id = queue.Enqueue(Sample("x"));

        queue.MarkPrinting(id);
        queue.MarkCompleted(id);

        Assert.Null(queue.Next());
        Assert.Equal(PrintJobState.Completed, queue.Get(id)!.State);
        Assert.Equal(1, queue.Get(id)!.Attempts);
    }

    [Fact]
    public void Enqueue_DuplicateId_ThrowsNamingIt()
    {
        using var queue = new PrintQueue(_dir.File("q.db"));
        queue.Enqueue(Sample("x"), "job-1");

        var ex = Assert.Throws<ArgumentException>(() => queue.Enqueue(Sample("y"), "job-1"));

        Assert.Contains("job-1", ex.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void Open_UnwritablePath_ThrowsNamingPath()
    {
        var path = _dir.File("missing-dir/q.db");

        var ex = Assert.Throws<IOException>(() => new PrintQueue(path));

        Assert.Contains(path, ex.Message, StringComparison.Ordinal);
    }
}
