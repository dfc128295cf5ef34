using PosAgent.Devices;

namespace FirmwareSim.Interop;

/// <summary>termios operations on an open tty, each failure naming the device.</summary>
internal static class Tty
{
    public static Termios GetAttributes(SafeFileDescriptorHandle fd, string device)
    {
        if (Libc.TcGetAttr(fd, out var termios) != 0)
        {
            throw Errno.LastToException("tcgetattr", device);
        }

        return termios;
    }

    public static void SetAttributes(SafeFileDescriptorHandle fd, string device, in Termios termios)
    {
        if (Libc.TcSetAttr(fd, TermiosConst.TCSANOW, termios) != 0)
        {
            throw Errno.LastToException("tcsetattr", device);
        }
    }

    /// <summary>
    /// Builds raw termios for the given speed, framing and flow control on top of <paramref name="current"/>:
    /// cfmakeraw, CLOCAL|CREAD, VMIN=VTIME=0 (reads never block; poll decides).
    /// </summary>
    public static Termios BuildRaw(Termios current, int baud, SerialFraming framing, FlowControl flow)
    {
        if (!TermiosConst.TryGetSpeed(baud, out var speed))
        {
            throw new ArgumentOutOfRangeException(nameof(baud), baud, "Unsupported baud rate; use 1200, 2400, 4800, 9600, 19200, 38400, 57600 or 115200.");
        }

        var t = current;
        Libc.CfMakeRaw(ref t);
        t.ControlFlags |= TermiosConst.CLOCAL | TermiosConst.CREAD;
        t.ControlFlags &= ~(TermiosConst.CSIZE | TermiosConst.CSTOPB | TermiosConst.PARENB | TermiosConst.PARODD | TermiosConst.CRTSCTS);
        t.InputFlags &= ~(TermiosConst.IXON | TermiosConst.IXOFF | TermiosConst.IXANY | TermiosConst.INPCK | TermiosConst.ISTRIP);
        switch (framing)
        {
            case SerialFraming.EightNoneOne:
                t.ControlFlags |= TermiosConst.CS8;
                break;
            case SerialFraming.SevenEvenOne:
                t.ControlFlags |= TermiosConst.CS7 | TermiosConst.PARENB;
                t.InputFlags |= TermiosConst.INPCK;
                break;
            case SerialFraming.EightNoneTwo:
                t.ControlFlags |= TermiosConst.CS8 | TermiosConst.CSTOPB;
                break;
            default:
                throw new ArgumentOutOfRangeException(nameof(framing), framing, "Unknown serial framing.");
        }

        switch (flow)
        {
            case FlowControl.None:
                break;
            case FlowControl.RtsCts:
                t.ControlFlags |= TermiosConst.CRTSCTS;
                break;
            case FlowControl.XonXoff:
                t.InputFlags |= TermiosConst.IXON | TermiosConst.IXOFF;
                t.Cc[TermiosConst.VSTART] = 0x11;
                t.Cc[TermiosConst.VSTOP] = 0x13;
                break;
            default:
                throw new ArgumentOutOfRangeException(nameof(flow), flow, "Unknown flow control.");
        }

        t.Cc[TermiosConst.VMIN] = 0;
        t.Cc[TermiosConst.VTIME] = 0;
        if (Libc.CfSetSpeed(ref t, speed) != 0)
        {
            throw new ArgumentOutOfRangeException(nameof(baud), baud, "cfsetspeed rejected the baud rate.");
        }

        return t;
    }

    /// <summary>
    /// Puts the tty in raw mode with the given line settings, reads them back (tcsetattr succeeds
    /// if any part applied) and flushes both queues (bytes queued before we attached are stale).
    /// </summary>
    public static void ConfigureRaw(SafeFileDescriptorHandle fd, string device, int baud, SerialFraming framing, FlowControl flow)
    {
        var wanted = BuildRaw(GetAttributes(fd, device), baud, framing, flow);
        SetAttributes(fd, device, wanted);
        var actual = GetAttributes(fd, device);
        const uint checkedFlags = TermiosConst.CSIZE | TermiosConst.CSTOPB | TermiosConst.PARENB | TermiosConst.CRTSCTS;
        if ((actual.ControlFlags & checkedFlags) != (wanted.ControlFlags & checkedFlags)
            || Libc.CfGetOSpeed(actual) != Libc.CfGetOSpeed(wanted)
            || (actual.InputFlags & (TermiosConst.IXON | TermiosConst.IXOFF)) != (wanted.InputFlags & (TermiosConst.IXON | TermiosConst.IXOFF)))
        {
            throw new IOException($"Device '{device}' did not accept the line settings {baud} baud {framing} {flow} (the driver or adapter does not support them).");
        }

        Flush(fd, device, TermiosConst.TCIOFLUSH);
    }

    public static void Flush(SafeFileDescriptorHandle fd, string device, int queues)
    {
        if (Libc.TcFlush(fd, queues) != 0)
        {
            throw Errno.LastToException("tcflush", device);
        }
    }

    /// <summary>The baud rate currently set (output speed), or 0 if not a standard rate.</summary>
    public static int GetBaud(in Termios termios) => TermiosConst.ToBaud(Libc.CfGetOSpeed(termios));

    /// <summary>Sets or clears O_NONBLOCK.</summary>
    public static void SetNonBlocking(SafeFileDescriptorHandle fd, string device, bool nonBlocking)
    {
        var flags = Libc.Fcntl(fd, TermiosConst.F_GETFL, 0);
        if (flags < 0)
        {
            throw Errno.LastToException("fcntl(F_GETFL)", device);
        }

        var updated = nonBlocking ? flags | TermiosConst.O_NONBLOCK : flags & ~TermiosConst.O_NONBLOCK;
        if (Libc.Fcntl(fd, TermiosConst.F_SETFL, updated) < 0)
        {
            throw Errno.LastToException("fcntl(F_SETFL)", device);
        }
    }
}
