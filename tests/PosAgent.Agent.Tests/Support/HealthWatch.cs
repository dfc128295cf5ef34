using System.Threading.Channels;
using Grpc.Core;
using Grpc.Health.V1;
using PosAgent.TestSupport;
using ServingStatus = Grpc.Health.V1.HealthCheckResponse.Types.ServingStatus;

namespace PosAgent.Agent.Tests.Support;

/// <summary>One Watch stream, its statuses in arrival order; waits consume them up to the one asked for.</summary>
internal sealed class HealthWatch : IAsyncDisposable
{
    private readonly Channel<ServingStatus> _statuses = Channel.CreateUnbounded<ServingStatus>();
    private readonly CancellationTokenSource _stop;
    private readonly AsyncServerStreamingCall<HealthCheckResponse> _call;
    private readonly Task _reader;

    public HealthWatch(Health.HealthClient health, string service, CancellationToken cancellationToken)
    {
        _stop = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken);
        _call = health.Watch(new HealthCheckRequest { Service = service }, cancellationToken: _stop.Token);
        _reader = Task.Run(async () =>
        {
            try
            {
                await foreach (var response in _call.ResponseStream.ReadAllAsync(_stop.Token))
                {
                    _statuses.Writer.TryWrite(response.Status);
                }
            }
            catch (Exception) when (_stop.IsCancellationRequested)
            {
                // The test is over.
            }
            finally
            {
                _statuses.Writer.TryComplete();
            }
        }, CancellationToken.None);
    }

    public async Task WaitForAsync(ServingStatus expected, TimeSpan timeout)
    {
        using var cts = new CancellationTokenSource(timeout);
        var seen = new List<ServingStatus>();
        try
        {
            while (await _statuses.Reader.ReadAsync(cts.Token) is var status && status != expected)
            {
                seen.Add(status);
            }
        }
        catch (OperationCanceledException)
        {
            Assert.Fail($"the Watch never reported {expected} (saw {string.Join(", ", seen)})");
        }
    }

    public async ValueTask DisposeAsync()
    {
        await _stop.CancelAsync();
        await _reader.WithTimeout();
        _call.Dispose();
        _stop.Dispose();
    }
}
