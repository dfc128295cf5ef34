using System.Diagnostics;
using PosAgent.Devices.Interop;
using Sim = FirmwareSim.Interop;
using PosAgent.Devices.Tests.Support;
using PosAgent.Devices.Transports;
using PosAgent.TestSupport;

namespace PosAgent.Devices.Tests.Transports;

/// <summary>
/// The serial transport contract on a real pseudo-terminal behind a symlink, run once per serial
/// driver (<see cref="SerialTransportTermiosTests"/>, <see cref="SerialTransportSerialPortTests"/>):
/// the guards issue #20 asks of System.IO.Ports hold for both.
/// </summary>
public abstract class SerialTransportTests(SerialDriver driver) : IDisposable
{
    private static readonly TimeSpan Bound = TimeSpan.FromSeconds(5);
    private readonly TempDirectory _dir = new("pa-sport-");

    public void Dispose()
    {
        _dir.Dispose();
        GC.SuppressFinalize(this);
    }

    private IDeviceTransport CreateSut(string path) =>
        DeviceTransports.Create(new TransportOptions { Path = path, Baud = 9600, SerialDriver = driver }, "lane1-scanner");

    private static string ReadText(IDeviceTransport transport, int count)
    {
        var buffer = new byte[256];
        var text = new System.Text.StringBuilder();
        var deadline = Stopwatch.GetTimestamp() + (long)(Bound.TotalSeconds * Stopwatch.Frequency);
        while (text.Length < count && Stopwatch.GetTimestamp() < deadline)
        {
            var n = transport.Read(buffer, TimeSpan.FromMilliseconds(200), CancellationToken.None);
            text.Append(System.Text.Encoding.ASCII.GetString(buffer, 0, n));
        }

        return text.ToString();
    }

    private static byte[] ReadMaster(PtyDevice device, int count)
    {
        var received = new List<byte>();
        var buffer = new byte[256];
        var deadline = Stopwatch.GetTimestamp() + (long)(Bound.TotalSeconds * Stopwatch.Frequency);
        while (received.Count < count && Stopwatch.GetTimestamp() < deadline)
        {
            Sim.Libc.PollOne(device.Pty.Master, Sim.TermiosConst.POLLIN, 100);
            var n = Sim.Libc.Read(device.Pty.Master, buffer);
            if (n > 0)
            {
                received.AddRange(buffer.AsSpan(0, (int)n).ToArray());
            }
        }

        return [.. received];
    }

    [Fact]
    public void Create_Driver_IsTheImplementationAskedFor()
    {
        using var transport = CreateSut("/dev/ttyS99");

        Assert.Equal(driver == SerialDriver.SerialPort ? "SerialPortTransport" : "FileDescriptorTransport", transport.GetType().Name);
    }

    [Fact]
    public void ReadWrite_BytesBothWays()
    {
        using var device = new PtyDevice(_dir.File("scanner"));
        using var transport = CreateSut(device.Path);
        transport.Open(CancellationToken.None);

        device.Write("]E04006381333931\r");
        var read = ReadText(transport, 17);
        transport.Write("\x10\x04\x01"u8, TimeSpan.FromSeconds(1), CancellationToken.None);
        var written = ReadMaster(device, 3);

        Assert.Equal("]E04006381333931\r", read);
        Assert.Equal(new byte[] { 0x10, 0x04, 0x01 }, written);
    }

    [Fact]
    public void Open_InputWaitingFromBeforeOpen_Discarded()
    {
        using var device = new PtyDevice(_dir.File("scanner"));
        using (var first = CreateSut(device.Path))
        {
            // A client must have the slave open for bytes to be kept for it.
            first.Open(CancellationToken.None);
            first.Close();
        }

        // Bytes sent while no one listens: the pty keeps them for the next open.
        device.Write("]E0STALE\r");
        using var transport = CreateSut(device.Path);
        transport.Open(CancellationToken.None);
        device.Write("]E496385074\r");

        Assert.Equal("]E496385074\r", ReadText(transport, 12));
    }

    [Fact]
    public void Read_Unplugged_ThrowsDeviceUnavailableNamingThePort()
    {
        using var device = new PtyDevice(_dir.File("scanner"));
        using var transport = CreateSut(device.Path);
        transport.Open(CancellationToken.None);

        device.Unplug();
        var started = Stopwatch.GetTimestamp();
        var ex = Assert.Throws<DeviceUnavailableException>(() =>
        {
            while (Stopwatch.GetElapsedTime(started) < Bound)
            {
                transport.Read(new byte[64], TimeSpan.FromMilliseconds(100), CancellationToken.None);
            }
        });

        // Seen within the loop's bound: reads of 100 ms alone would have run to it without a throw.
        Assert.Contains(device.Path, ex.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void Write_Unplugged_ThrowsDeviceUnavailableWithoutHanging()
    {
        using var device = new PtyDevice(_dir.File("printer"));
        using var transport = CreateSut(device.Path);
        transport.Open(CancellationToken.None);

        device.Unplug();
        var started = Stopwatch.GetTimestamp();
        var ex = Assert.ThrowsAny<IOException>(() =>
        {
            // The first write may still land in the dying tty's buffer; a later one must fail.
            while (Stopwatch.GetElapsedTime(started) < Bound)
            {
                transport.Write(new byte[64], TimeSpan.FromSeconds(30), CancellationToken.None);
            }
        });

        Assert.IsType<DeviceUnavailableException>(ex);
        Assert.Contains(device.Path, ex.Message, StringComparison.Ordinal);
        // Not hanging means failing well inside the write's own 30 s timeout (loose: CI machines are shared).
        Assert.True(Stopwatch.GetElapsedTime(started) < TimeSpan.FromSeconds(10), $"write failed after {Stopwatch.GetElapsedTime(started).TotalMilliseconds:0} ms");
    }

    [Fact]
    public void Open_Missing_ThrowsNamingThePort()
    {
        var path = _dir.File("no-such-port");
        using var transport = CreateSut(path);

        var ex = Assert.ThrowsAny<IOException>(() => transport.Open(CancellationToken.None));

        Assert.IsType<FileNotFoundException>(ex);
        Assert.Contains(path, ex.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void Open_NotATerminal_ThrowsNamingThePort()
    {
        var path = _dir.File("plain-file");
        File.WriteAllText(path, "not a tty");
        using var transport = CreateSut(path);

        var ex = Assert.ThrowsAny<Exception>(() => transport.Open(CancellationToken.None));

        Assert.True(ex is IOException or ArgumentException, ex.ToString());
        Assert.Contains(path, ex.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void Read_Cancelled_ReturnsWithinACancellationSlice()
    {
        using var device = new PtyDevice(_dir.File("scanner"));
        using var transport = CreateSut(device.Path);
        transport.Open(CancellationToken.None);
        using var cts = new CancellationTokenSource();

        var started = Stopwatch.GetTimestamp();
        cts.CancelAfter(TimeSpan.FromMilliseconds(100));
        Assert.ThrowsAny<OperationCanceledException>(() => transport.Read(new byte[64], TimeSpan.FromSeconds(30), cts.Token));

        // Well inside the read's own 30 s timeout (loose: CI machines are shared).
        Assert.True(Stopwatch.GetElapsedTime(started) < TimeSpan.FromSeconds(10), $"cancel took {Stopwatch.GetElapsedTime(started).TotalMilliseconds:0} ms");
    }

    [Fact]
    public void Close_ExclusiveAccess_ReleasedForTheNextProgram()
    {
        using var device = new PtyDevice(_dir.File("scanner"));
        using (var transport = CreateSut(device.Path))
        {
            transport.Open(CancellationToken.None);
            Assert.True(IsExclusive(device.Pty.SlavePath), "exclusive use was not taken while open");
            transport.Close();
        }

        Assert.False(IsExclusive(device.Pty.SlavePath), "exclusive use outlived the close");
    }

    [Fact]
    public void Open_AfterUnplugAndReplug_WorksAgain()
    {
        using var device = new PtyDevice(_dir.File("scanner"));
        using var transport = CreateSut(device.Path);
        transport.Open(CancellationToken.None);
        device.Unplug();
        transport.Close();

        device.Replug();
        transport.Open(CancellationToken.None);
        device.Write("]E496385074\r");

        Assert.Equal("]E496385074\r", ReadText(transport, 12));
    }

    /// <summary>TIOCGEXCL: whether the tty is in exclusive mode (root ignores the mode, so "busy" cannot be seen here).</summary>
    private static bool IsExclusive(string slavePath)
    {
        const uint TIOCGEXCL = 0x80045440;
        using var fd = SafeFileDescriptorHandle.Open(slavePath, TermiosConst.O_RDWR | TermiosConst.O_NOCTTY | TermiosConst.O_NONBLOCK);
        var flag = 0;
        Assert.Equal(0, Libc.Ioctl(fd, TIOCGEXCL, ref flag));
        return flag != 0;
    }
}

/// <summary>The transport contract over the own termios transport (the Linux default).</summary>
public sealed class SerialTransportTermiosTests() : SerialTransportTests(SerialDriver.Termios);

/// <summary>The transport contract over System.IO.Ports (the Windows default).</summary>
public sealed class SerialTransportSerialPortTests() : SerialTransportTests(SerialDriver.SerialPort);
