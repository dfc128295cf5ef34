using Microsoft.Win32.SafeHandles;
using PosAgent.Devices;

namespace FirmwareSim.Interop;

/// <summary>A Unix file descriptor owned by a SafeHandle, so it is closed exactly once.</summary>
internal sealed class SafeFileDescriptorHandle : SafeHandleMinusOneIsInvalid
{
    public SafeFileDescriptorHandle()
        : base(ownsHandle: true)
    {
    }

    public SafeFileDescriptorHandle(int fd, bool ownsHandle = true)
        : base(ownsHandle) => SetHandle(fd);

    public int Fd => (int)handle;

    protected override bool ReleaseHandle() => Libc.Close((int)handle) == 0;

    /// <summary>open(2) with the flags given; throws an exception naming the path on failure.</summary>
    public static SafeFileDescriptorHandle Open(string path, int flags)
    {
        var fd = Libc.Open(path, flags | TermiosConst.O_CLOEXEC, 0);
        if (fd < 0)
        {
            throw Errno.LastToException("open", path);
        }

        return new SafeFileDescriptorHandle(fd);
    }
}
