using PosAgent.Devices;
using FirmwareSim.Interop;

namespace FirmwareSim.Internal;

/// <summary>What a read from the device's line gave.</summary>
internal enum LinkRead
{
    /// <summary>Bytes arrived.</summary>
    Data,

    /// <summary>Nothing within the wait.</summary>
    Idle,

    /// <summary>No client has the device open (or the TCP peer left).</summary>
    NoClient,

    /// <summary>The device is unplugged.</summary>
    Unplugged,
}

/// <summary>
/// A pseudo-terminal with a stable symlink: plugging opens a new pair and points the link at its
/// slave, unplugging closes the master (the /dev/pts node vanishes, a client reading gets EIO) and
/// removes the link.
/// </summary>
internal sealed class PtyPort : IDeviceLink, IScannerLine
{
    private readonly Lock _gate = new();
    private readonly int _baud;
    private readonly SerialFraming _framing;
    private PseudoTerminal? _pty;

    public PtyPort(string linkPath, int baud, SerialFraming framing)
    {
        LinkPath = Path.GetFullPath(linkPath);
        _baud = baud;
        _framing = framing;
    }

    /// <summary>The stable path clients open.</summary>
    public string LinkPath { get; }

    /// <summary>The /dev/pts/N the link points at now, or null while unplugged.</summary>
    public string? SlavePath
    {
        get
        {
            lock (_gate)
            {
                return _pty?.SlavePath;
            }
        }
    }

    public bool IsPlugged => SlavePath is not null;

    public string Description => LinkPath;

    public bool Persistent => true;

    /// <summary>Opens a fresh pair and points the link at it (replacing a stale link atomically).</summary>
    public void Plug()
    {
        lock (_gate)
        {
            if (_pty is not null)
            {
                return;
            }

            var pty = PseudoTerminal.Open(_baud, _framing);
            try
            {
                var dir = Path.GetDirectoryName(LinkPath);
                if (!string.IsNullOrEmpty(dir))
                {
                    Directory.CreateDirectory(dir);
                }

                var temp = LinkPath + ".new-" + Environment.ProcessId.ToString(System.Globalization.CultureInfo.InvariantCulture);
                File.Delete(temp);
                File.CreateSymbolicLink(temp, pty.SlavePath);
                File.Move(temp, LinkPath, overwrite: true);
            }
            catch
            {
                pty.Dispose();
                throw;
            }

            _pty = pty;
        }
    }

    /// <summary>Removes the link and closes the master: the device path disappears.</summary>
    public void Unplug()
    {
        PseudoTerminal? pty;
        lock (_gate)
        {
            pty = _pty;
            _pty = null;
        }

        if (pty is null)
        {
            return;
        }

        RemoveLink();
        pty.Dispose();
    }

    /// <summary>The baud rate the client set on the slave (read through the master), or 0 when unknown.</summary>
    public int ClientBaud()
    {
        var pty = Current();
        if (pty is null)
        {
            return 0;
        }

        try
        {
            return Tty.GetBaud(Tty.GetAttributes(pty.Master, pty.SlavePath));
        }
        catch (Exception ex) when (ex is IOException or DeviceUnavailableException or ObjectDisposedException)
        {
            return 0;
        }
    }

    /// <summary>Waits up to <paramref name="timeoutMs"/> for bytes from the client and reads them.</summary>
    public LinkRead Read(Span<byte> buffer, int timeoutMs, out int count)
    {
        count = 0;
        var pty = Current();
        if (pty is null)
        {
            return LinkRead.Unplugged;
        }

        try
        {
            var revents = Libc.PollOne(pty.Master, TermiosConst.POLLIN, timeoutMs);
            if (revents < 0)
            {
                return LinkRead.Idle;
            }

            if ((revents & TermiosConst.POLLIN) != 0)
            {
                var n = Libc.Read(pty.Master, buffer);
                if (n > 0)
                {
                    count = (int)n;
                    return LinkRead.Data;
                }
            }

            return (revents & TermiosConst.POLLHUP) != 0 ? LinkRead.NoClient : LinkRead.Idle;
        }
        catch (ObjectDisposedException)
        {
            return LinkRead.Unplugged;
        }
    }

    /// <summary>Writes all of <paramref name="data"/> (waiting for room if the client is not reading); false if unplugged.</summary>
    public bool Write(ReadOnlySpan<byte> data, CancellationToken cancellationToken)
    {
        while (!data.IsEmpty)
        {
            cancellationToken.ThrowIfCancellationRequested();
            var pty = Current();
            if (pty is null)
            {
                return false;
            }

            try
            {
                var n = Libc.Write(pty.Master, data);
                if (n > 0)
                {
                    data = data[(int)n..];
                    continue;
                }

                var errno = Errno.Last;
                if (n < 0 && errno != Errno.EAGAIN && errno != Errno.EINTR)
                {
                    return false;
                }

                Libc.PollOne(pty.Master, TermiosConst.POLLOUT, 20);
            }
            catch (ObjectDisposedException)
            {
                return false;
            }
        }

        return true;
    }

    private PseudoTerminal? Current()
    {
        lock (_gate)
        {
            return _pty;
        }
    }

    private void RemoveLink()
    {
        try
        {
            var info = new FileInfo(LinkPath);
            if (info.LinkTarget is not null)
            {
                info.Delete();
            }
        }
        catch (IOException)
        {
            // Already gone: nothing to clean up.
        }
    }

    public void Dispose() => Unplug();
}
