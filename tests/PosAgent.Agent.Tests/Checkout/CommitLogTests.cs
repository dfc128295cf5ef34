using System.Collections.Concurrent;
using Microsoft.Extensions.Logging;
using PosAgent.Agent.Internal;
using PosAgent.TestSupport;

namespace PosAgent.Agent.Tests.Checkout;

public sealed class CommitLogTests
{
    private readonly FakeTimeProvider _time = new();
    private readonly LinesLogger _logger = new();

    [Fact]
    public async Task Add_LinesAreWrittenAtTheNextTickWithTheCardMasked()
    {
        var sut = new CommitLog(_logger, _time);
        using var stop = new CancellationTokenSource();
        var running = sut.RunAsync(stop.Token);

        sut.Add("sale", "op-1", "7800000000000015", offline: true);
        sut.Add("refund", "op-2", null, offline: false);
        Assert.Empty(_logger.Lines);

        _time.Advance(CommitLog.Interval);
        await _logger.WaitForAsync(2).WithTimeout();

        Assert.Equal(["Committed sale op-1 card ****0015 offline=True", "Committed refund op-2 card - offline=False"], _logger.Lines);
        Assert.DoesNotContain(_logger.Lines, line => line.Contains("7800000000000015", StringComparison.Ordinal));
        await stop.CancelAsync();
        await running.WithTimeout();
    }

    [Fact]
    public async Task RunAsync_Stopped_WritesWhatIsStillQueued()
    {
        var sut = new CommitLog(_logger, _time);
        using var stop = new CancellationTokenSource();
        var running = sut.RunAsync(stop.Token);
        sut.Add("sale", "op-3", "7800000000000016", offline: false);

        await stop.CancelAsync();
        await running.WithTimeout();

        Assert.Equal(["Committed sale op-3 card ****0016 offline=False"], _logger.Lines);
    }

    [Fact]
    public void Add_InformationNotEnabled_QueuesNothing()
    {
        _logger.Enabled = false;
        var sut = new CommitLog(_logger, _time);

        sut.Add("sale", "op-4", "7800000000000017", offline: false);
        _logger.Enabled = true;
        sut.Flush();

        Assert.Empty(_logger.Lines);
    }

    [Fact]
    public async Task RunningAgent_CommitLineWrittenAtTheNextTick_TheHostRunsTheLoop()
    {
        // The loop must run inside the real host, not only when a test calls RunAsync: the agent's
        // hosted loops were once de-duplicated by type, and only the first one ran.
        using var dir = new TempDirectory();
        using var loggers = LoggerFactory.Create(b => b.AddProvider(new LinesProvider(_logger)));
        await using var agent = await Support.TestAgent.StartAsync(dir, time: _time, loggerFactory: loggers);
        var check = await agent.Client.OpenCheckAsync(new Contracts.PosAgent.V1.OpenCheckRequest()).WithTimeout();
        check = await agent.Client.AddLineAsync(new Contracts.PosAgent.V1.AddLineRequest { CheckId = check.CheckId, Name = "Consultation", Category = "medical", UnitPriceMinor = 50_000, Quantity = 1 }).WithTimeout();
        var sale = await agent.Client.CommitAsync(new Contracts.PosAgent.V1.CommitRequest { CheckId = check.CheckId, Payment = new Contracts.PosAgent.V1.PaymentSplit { CashMinor = 50_000 } }).WithTimeout();

        _time.Advance(CommitLog.Interval);
        await _logger.WaitForAsync(line => line.StartsWith("Committed sale " + sale.OperationId, StringComparison.Ordinal)).WithTimeout();
    }

    private sealed class LinesProvider(LinesLogger logger) : ILoggerProvider
    {
        public ILogger CreateLogger(string categoryName) => logger;

        public void Dispose()
        {
        }
    }

    /// <summary>Keeps the formatted lines; a test can wait for a number of them.</summary>
    private sealed class LinesLogger : ILogger
    {
        private readonly ConcurrentQueue<string> _lines = new();
        private readonly SemaphoreSlim _written = new(0);

        public bool Enabled { get; set; } = true;

        public IReadOnlyList<string> Lines => [.. _lines];

        public IDisposable? BeginScope<TState>(TState state)
            where TState : notnull => null;

        public bool IsEnabled(LogLevel logLevel) => Enabled && logLevel >= LogLevel.Information;

        public void Log<TState>(LogLevel logLevel, EventId eventId, TState state, Exception? exception, Func<TState, Exception?, string> formatter)
        {
            _lines.Enqueue(formatter(state, exception));
            _written.Release();
        }

        public async Task WaitForAsync(Func<string, bool> match)
        {
            while (!_lines.Any(match))
            {
                await _written.WaitAsync();
            }
        }

        public async Task WaitForAsync(int count)
        {
            for (var i = 0; i < count; i++)
            {
                await _written.WaitAsync();
            }
        }
    }
}
