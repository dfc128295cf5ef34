using System.Diagnostics;
using PosAgent.Devices.Interop;
using PosAgent.Devices.Transports;

namespace PosAgent.Devices.Internal;

/// <summary>
/// A serial tty (raw termios) or a USB printer-class node, driven with non-blocking I/O and
/// poll(2): no FileStream, whose EAGAIN/VMIN=0 handling and uncancellable reads do not fit ttys.
/// </summary>
internal sealed class FileDescriptorTransport : IDeviceTransport
{
    private readonly TransportOptions _options;
    private SafeFileDescriptorHandle? _fd;

    public FileDescriptorTransport(TransportOptions options)
    {
        _options = options;
        ByteTime = options.Kind == TransportKind.Serial ? options.Framing.LineTime(options.Baud, 1) : TimeSpan.Zero;
    }

    public string Name => _options.Path;

    public TimeSpan ByteTime { get; }

    public bool IsOpen => _fd is { IsInvalid: false, IsClosed: false };

    public void Open(CancellationToken cancellationToken)
    {
        cancellationToken.ThrowIfCancellationRequested();
        Close();
        var access = _options.Kind is TransportKind.HidKeyboard or TransportKind.HidPos ? TermiosConst.O_RDONLY : TermiosConst.O_RDWR;
        var fd = SafeFileDescriptorHandle.Open(_options.Path, access | TermiosConst.O_NOCTTY | TermiosConst.O_NONBLOCK);
        try
        {
            if (_options.Kind == TransportKind.Serial)
            {
                if (_options.Exclusive && Libc.Ioctl(fd, TermiosConst.TIOCEXCL, 0) != 0)
                {
                    throw Errno.LastToException("ioctl(TIOCEXCL)", Name);
                }

                Tty.ConfigureRaw(fd, Name, _options.Baud, _options.Framing, _options.FlowControl);
            }

            _fd = fd;
        }
        catch
        {
            fd.Dispose();
            throw;
        }
    }

    public int Read(Span<byte> buffer, TimeSpan timeout, CancellationToken cancellationToken)
    {
        var fd = OpenHandle();
        var deadline = Stopwatch.GetTimestamp() + (long)(timeout.TotalSeconds * Stopwatch.Frequency);
        var hungUp = false;
        while (true)
        {
            cancellationToken.ThrowIfCancellationRequested();
            var n = Libc.Read(fd, buffer);
            if (n > 0)
            {
                return (int)n;
            }

            if (n == 0)
            {
                // Raw mode with VMIN=0 returns 0 for "nothing yet"; a hung-up tty also returns 0 (EOF)
                // while poll says POLLIN|POLLHUP, so only a 0 after a hang-up means the device is gone.
                if (hungUp)
                {
                    throw new DeviceUnavailableException(Name, Errno.EIO, $"Device '{Name}' hung up (unplugged or closed by the other side).");
                }
            }
            else if (Errno.Last is var errno && errno != Errno.EAGAIN && errno != Errno.EINTR)
            {
                throw Errno.ToException(errno, "read", Name);
            }

            var remaining = RemainingMs(deadline);
            if (remaining <= 0)
            {
                return 0;
            }

            var revents = Libc.PollOne(fd, TermiosConst.POLLIN, Math.Min(remaining, SliceMs));
            if (revents < 0 && Errno.Last is var pollErrno && pollErrno != Errno.EINTR)
            {
                throw Errno.ToException(pollErrno, "poll", Name);
            }

            if (revents > 0 && (revents & (TermiosConst.POLLHUP | TermiosConst.POLLERR | TermiosConst.POLLNVAL)) != 0)
            {
                if ((revents & TermiosConst.POLLIN) == 0)
                {
                    throw new DeviceUnavailableException(Name, Errno.EIO, $"Device '{Name}' hung up (unplugged or closed by the other side).");
                }

                hungUp = true;
            }
        }
    }

    public void Write(ReadOnlySpan<byte> data, TimeSpan timeout, CancellationToken cancellationToken)
    {
        var fd = OpenHandle();
        var deadline = Stopwatch.GetTimestamp() + (long)(timeout.TotalSeconds * Stopwatch.Frequency);
        while (!data.IsEmpty)
        {
            cancellationToken.ThrowIfCancellationRequested();
            var n = Libc.Write(fd, data);
            if (n > 0)
            {
                data = data[(int)n..];
                deadline = Stopwatch.GetTimestamp() + (long)(timeout.TotalSeconds * Stopwatch.Frequency);
                continue;
            }

            if (n < 0 && Errno.Last is var errno && errno != Errno.EAGAIN && errno != Errno.EINTR)
            {
                throw Errno.ToException(errno, "write", Name);
            }

            var remaining = RemainingMs(deadline);
            if (remaining <= 0)
            {
                throw new TimeoutException($"Device '{Name}' accepted no data for {timeout.TotalMilliseconds:0} ms ({data.Length} bytes left to write).");
            }

            var revents = Libc.PollOne(fd, TermiosConst.POLLOUT, Math.Min(remaining, SliceMs));
            if (revents > 0 && (revents & (TermiosConst.POLLHUP | TermiosConst.POLLERR | TermiosConst.POLLNVAL)) != 0 && (revents & TermiosConst.POLLOUT) == 0)
            {
                throw new DeviceUnavailableException(Name, Errno.EIO, $"Device '{Name}' hung up while writing.");
            }
        }
    }

    public void DiscardPendingOutput()
    {
        if (_options.Kind == TransportKind.Serial)
        {
            Tty.Flush(OpenHandle(), Name, TermiosConst.TCOFLUSH);
        }
    }

    public void Close()
    {
        var fd = _fd;
        _fd = null;
        if (fd is { IsClosed: false } && _options is { Kind: TransportKind.Serial, Exclusive: true })
        {
            // Give up exclusive use as System.IO.Ports does: the flag lives on the tty, not the file,
            // and would otherwise lock out the next program (a technician's terminal, the simulator's
            // own check) for as long as the tty lives. A device already gone fails this; nothing to release.
            _ = Libc.Ioctl(fd, TermiosConst.TIOCNXCL, 0);
        }

        fd?.Dispose();
    }

    public void Dispose() => Close();

    private static int SliceMs => (int)TransportDefaults.CancellationSlice.TotalMilliseconds;

    private static int RemainingMs(long deadline) =>
        (int)Math.Ceiling(Math.Max(0, deadline - Stopwatch.GetTimestamp()) * 1000.0 / Stopwatch.Frequency);

    /// <summary>The open descriptor, or null.</summary>
    internal SafeFileDescriptorHandle? Handle => _fd is { IsClosed: false } fd ? fd : null;

    private SafeFileDescriptorHandle OpenHandle() =>
        _fd is { IsClosed: false } fd ? fd : throw new DeviceUnavailableException(Name, $"Device '{Name}' is not open.");
}
