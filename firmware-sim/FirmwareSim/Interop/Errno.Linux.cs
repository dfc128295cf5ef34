using System.Runtime.InteropServices;
using PosAgent.Devices;

namespace FirmwareSim.Interop;

/// <summary>errno numbers (Linux) and their translation into exceptions that name the device.</summary>
internal static class Errno
{
    public const int EPERM = 1;
    public const int ENOENT = 2;
    public const int EINTR = 4;
    public const int EIO = 5;
    public const int ENXIO = 6;
    public const int EBADF = 9;
    public const int EAGAIN = 11;
    public const int EACCES = 13;
    public const int EBUSY = 16;
    public const int ENODEV = 19;
    public const int EINVAL = 22;
    public const int ENOTTY = 25;
    public const int EPIPE = 32;

    /// <summary>errno of the last P/Invoke declared with SetLastError.</summary>
    public static int Last => Marshal.GetLastPInvokeError();

    /// <summary>True for errors meaning the device went away (unplugged, pty closed).</summary>
    public static bool IsGone(int errno) => errno is EIO or ENXIO or ENODEV or EBADF or EPIPE or ENOENT;

    /// <summary>An exception for the last error of <paramref name="operation"/> on <paramref name="device"/>.</summary>
    public static Exception LastToException(string operation, string device) => ToException(Last, operation, device);

    public static Exception ToException(int errno, string operation, string device)
    {
        var message = $"{operation} on device '{device}' failed: {Describe(errno)} (errno {errno}).";
        return errno switch
        {
            ENOENT => new FileNotFoundException(message, device),
            EACCES or EPERM => new UnauthorizedAccessException(message + " Is the user in the dialout group?"),
            EBUSY => new DeviceUnavailableException(device, errno, message + " Another program holds the device."),
            _ when IsGone(errno) => new DeviceUnavailableException(device, errno, message),
            _ => new IOException(message, errno),
        };
    }

    public static string Describe(int errno) => Marshal.GetPInvokeErrorMessage(errno);
}
