using System.Runtime.InteropServices;
using PosAgent.Devices;

namespace FirmwareSim.Interop;

/// <summary>
/// glibc entry points for ttys and pseudo-terminals. Every call sets errno (SetLastError) so
/// <see cref="Errno"/> can turn a failure into an exception naming the device.
/// </summary>
internal static partial class Libc
{
    private const string Lib = "libc";

    // open(2) is variadic in C; declaring the mode argument always keeps the calling convention right.
    [LibraryImport(Lib, EntryPoint = "open", SetLastError = true, StringMarshalling = StringMarshalling.Utf8)]
    internal static partial int Open(string path, int flags, int mode);

    [LibraryImport(Lib, EntryPoint = "close", SetLastError = true)]
    internal static partial int Close(int fd);

    [LibraryImport(Lib, EntryPoint = "read", SetLastError = true)]
    internal static unsafe partial nint Read(SafeFileDescriptorHandle fd, byte* buffer, nuint count);

    [LibraryImport(Lib, EntryPoint = "write", SetLastError = true)]
    internal static unsafe partial nint Write(SafeFileDescriptorHandle fd, byte* buffer, nuint count);

    [LibraryImport(Lib, EntryPoint = "poll", SetLastError = true)]
    internal static unsafe partial int Poll(PollFd* fds, nuint count, int timeoutMs);

    [LibraryImport(Lib, EntryPoint = "tcgetattr", SetLastError = true)]
    internal static partial int TcGetAttr(SafeFileDescriptorHandle fd, out Termios termios);

    [LibraryImport(Lib, EntryPoint = "tcsetattr", SetLastError = true)]
    internal static partial int TcSetAttr(SafeFileDescriptorHandle fd, int optionalActions, in Termios termios);

    [LibraryImport(Lib, EntryPoint = "cfmakeraw")]
    internal static partial void CfMakeRaw(ref Termios termios);

    [LibraryImport(Lib, EntryPoint = "cfsetspeed", SetLastError = true)]
    internal static partial int CfSetSpeed(ref Termios termios, uint speed);

    [LibraryImport(Lib, EntryPoint = "cfgetospeed")]
    internal static partial uint CfGetOSpeed(in Termios termios);

    [LibraryImport(Lib, EntryPoint = "cfgetispeed")]
    internal static partial uint CfGetISpeed(in Termios termios);

    [LibraryImport(Lib, EntryPoint = "tcflush", SetLastError = true)]
    internal static partial int TcFlush(SafeFileDescriptorHandle fd, int queueSelector);

    [LibraryImport(Lib, EntryPoint = "tcdrain", SetLastError = true)]
    internal static partial int TcDrain(SafeFileDescriptorHandle fd);

    [LibraryImport(Lib, EntryPoint = "fcntl", SetLastError = true)]
    internal static partial int Fcntl(SafeFileDescriptorHandle fd, int command, int argument);

    [LibraryImport(Lib, EntryPoint = "ioctl", SetLastError = true)]
    internal static partial int Ioctl(SafeFileDescriptorHandle fd, nuint request, ref int argument);

    [LibraryImport(Lib, EntryPoint = "ioctl", SetLastError = true)]
    internal static partial int Ioctl(SafeFileDescriptorHandle fd, nuint request, nint argument);

    [LibraryImport(Lib, EntryPoint = "posix_openpt", SetLastError = true)]
    internal static partial int PosixOpenPt(int flags);

    [LibraryImport(Lib, EntryPoint = "grantpt", SetLastError = true)]
    internal static partial int GrantPt(SafeFileDescriptorHandle fd);

    [LibraryImport(Lib, EntryPoint = "unlockpt", SetLastError = true)]
    internal static partial int UnlockPt(SafeFileDescriptorHandle fd);

    /// <summary>Returns 0 or the error number itself (not -1 and errno).</summary>
    [LibraryImport(Lib, EntryPoint = "ptsname_r")]
    internal static unsafe partial int PtsNameR(SafeFileDescriptorHandle fd, byte* buffer, nuint length);

    /// <summary>The slave path of a pseudo-terminal master, e.g. /dev/pts/7.</summary>
    internal static unsafe string PtsName(SafeFileDescriptorHandle master)
    {
        var buffer = stackalloc byte[128];
        var rc = PtsNameR(master, buffer, 128);
        if (rc != 0)
        {
            throw Errno.ToException(rc, "ptsname_r", "pseudo-terminal master");
        }

        return Marshal.PtrToStringUTF8((nint)buffer) ?? string.Empty;
    }

    /// <summary>Reads into a span; returns bytes read, or -1 with errno set.</summary>
    internal static unsafe nint Read(SafeFileDescriptorHandle fd, Span<byte> buffer)
    {
        fixed (byte* p = buffer)
        {
            return Read(fd, p, (nuint)buffer.Length);
        }
    }

    /// <summary>Writes from a span; returns bytes written, or -1 with errno set.</summary>
    internal static unsafe nint Write(SafeFileDescriptorHandle fd, ReadOnlySpan<byte> buffer)
    {
        fixed (byte* p = buffer)
        {
            return Write(fd, p, (nuint)buffer.Length);
        }
    }

    /// <summary>Polls one descriptor; returns the revents bits (0 on timeout), or -1 with errno set.</summary>
    internal static unsafe int PollOne(SafeFileDescriptorHandle fd, short events, int timeoutMs)
    {
        var added = false;
        try
        {
            fd.DangerousAddRef(ref added);
            var pfd = new PollFd { Fd = fd.DangerousGetHandle().ToInt32(), Events = events };
            var rc = Poll(&pfd, 1, timeoutMs);
            return rc < 0 ? -1 : rc == 0 ? 0 : pfd.REvents;
        }
        finally
        {
            if (added)
            {
                fd.DangerousRelease();
            }
        }
    }
}

/// <summary>struct pollfd.</summary>
[StructLayout(LayoutKind.Sequential)]
internal struct PollFd
{
    public int Fd;
    public short Events;
    public short REvents;
}
