using System.Diagnostics;
using PosAgent.Devices.Internal;
using PosAgent.Devices.Tests.Support;
using PosAgent.Devices.Transports;
using PosAgent.TestSupport;

namespace PosAgent.Devices.Tests.Transports;

/// <summary>Guards only the System.IO.Ports transport needs: a dispose that hangs (dotnet/runtime #121627).</summary>
public sealed class SerialPortTransportTests : IDisposable
{
    private readonly TempDirectory _dir = new("pa-spt-");

    public void Dispose() => _dir.Dispose();

    [Fact]
    public void RunBounded_ActionHangs_ReturnsFalseAtTheBound()
    {
        using var release = new ManualResetEventSlim();
        var started = Stopwatch.GetTimestamp();

        var finished = SerialPortTransport.RunBounded(() => release.Wait(), TimeSpan.FromMilliseconds(200), "test hang");
        var elapsed = Stopwatch.GetElapsedTime(started);
        release.Set();

        Assert.False(finished);
        Assert.InRange(elapsed, TimeSpan.FromMilliseconds(150), TimeSpan.FromSeconds(2));
    }

    [Fact]
    public void RunBounded_ActionThrowsIOException_StillFinished()
    {
        Assert.True(SerialPortTransport.RunBounded(() => throw new IOException("gone"), TimeSpan.FromSeconds(5), "test throw"));
    }

    [Fact]
    public void Close_DisposeHangs_AbandonedAndCountedThenPortOpensAgain()
    {
        using var device = new PtyDevice(_dir.File("printer"));
        using var release = new ManualResetEventSlim();
        var hangOnce = true;
        var options = new TransportOptions { Path = device.Path, SerialDriver = SerialDriver.SerialPort };
        using var transport = new SerialPortTransport(
            options,
            (port, bound) =>
            {
                var hang = hangOnce;
                hangOnce = false;
                return SerialPortTransport.RunBounded(
                    () =>
                    {
                        if (hang)
                        {
                            release.Wait();
                        }

                        port.Dispose();
                    },
                    bound,
                    "test dispose");
            },
            TimeSpan.FromMilliseconds(300));
        transport.Open(CancellationToken.None);
        var before = SerialPortTransport.AbandonedDisposals;

        var started = Stopwatch.GetTimestamp();
        transport.Close();
        var elapsed = Stopwatch.GetElapsedTime(started);
        release.Set();

        Assert.True(elapsed < TimeSpan.FromSeconds(2), $"close took {elapsed.TotalMilliseconds:0} ms");
        Assert.Equal(before + 1, SerialPortTransport.AbandonedDisposals);
        Assert.False(transport.IsOpen);
        transport.Open(CancellationToken.None);
        Assert.True(transport.IsOpen);
    }
}
