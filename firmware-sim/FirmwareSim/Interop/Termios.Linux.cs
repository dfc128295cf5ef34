using System.Runtime.CompilerServices;
using System.Runtime.InteropServices;
using PosAgent.Devices;

namespace FirmwareSim.Interop;

/// <summary>
/// glibc's x86_64/aarch64 <c>struct termios</c>: 60 bytes. Not the kernel's 36-byte layout
/// (ioctl TCGETS), which lacks the speed fields.
/// </summary>
[StructLayout(LayoutKind.Sequential)]
internal struct Termios
{
    public const int ControlCharCount = 32;

    public uint InputFlags;
    public uint OutputFlags;
    public uint ControlFlags;
    public uint LocalFlags;
    public byte LineDiscipline;
    public ControlChars Cc;
    public uint InputSpeed;
    public uint OutputSpeed;

    [InlineArray(ControlCharCount)]
    internal struct ControlChars
    {
        private byte _element;
    }
}

/// <summary>Constants from glibc's bits/termios*.h, fcntl.h and poll.h (Linux, x86_64 and aarch64).</summary>
internal static class TermiosConst
{
    // open(2)
    public const int O_RDONLY = 0x0;
    public const int O_WRONLY = 0x1;
    public const int O_RDWR = 0x2;
    public const int O_NOCTTY = 0x100;
    public const int O_NONBLOCK = 0x800;
    public const int O_CLOEXEC = 0x80000;

    // fcntl(2)
    public const int F_GETFL = 3;
    public const int F_SETFL = 4;

    // tcsetattr
    public const int TCSANOW = 0;
    public const int TCSADRAIN = 1;
    public const int TCSAFLUSH = 2;

    // tcflush
    public const int TCIFLUSH = 0;
    public const int TCOFLUSH = 1;
    public const int TCIOFLUSH = 2;

    // c_cc indices
    public const int VTIME = 5;
    public const int VMIN = 6;
    public const int VSTART = 8;
    public const int VSTOP = 9;

    // c_iflag
    public const uint IGNBRK = 0x1;
    public const uint BRKINT = 0x2;
    public const uint IGNPAR = 0x4;
    public const uint PARMRK = 0x8;
    public const uint INPCK = 0x10;
    public const uint ISTRIP = 0x20;
    public const uint INLCR = 0x40;
    public const uint IGNCR = 0x80;
    public const uint ICRNL = 0x100;
    public const uint IXON = 0x400;
    public const uint IXANY = 0x800;
    public const uint IXOFF = 0x1000;

    // c_oflag
    public const uint OPOST = 0x1;

    // c_cflag
    public const uint CBAUD = 0x100F;
    public const uint CSIZE = 0x30;
    public const uint CS5 = 0x0;
    public const uint CS6 = 0x10;
    public const uint CS7 = 0x20;
    public const uint CS8 = 0x30;
    public const uint CSTOPB = 0x40;
    public const uint CREAD = 0x80;
    public const uint PARENB = 0x100;
    public const uint PARODD = 0x200;
    public const uint HUPCL = 0x400;
    public const uint CLOCAL = 0x800;
    public const uint CRTSCTS = 0x80000000;

    // c_lflag
    public const uint ISIG = 0x1;
    public const uint ICANON = 0x2;
    public const uint ECHO = 0x8;
    public const uint IEXTEN = 0x8000;

    // speed_t values
    public const uint B0 = 0x0;
    public const uint B1200 = 0x9;
    public const uint B1800 = 0xA;
    public const uint B2400 = 0xB;
    public const uint B4800 = 0xC;
    public const uint B9600 = 0xD;
    public const uint B19200 = 0xE;
    public const uint B38400 = 0xF;
    public const uint B57600 = 0x1001;
    public const uint B115200 = 0x1002;
    public const uint B230400 = 0x1003;

    // poll(2)
    public const short POLLIN = 0x1;
    public const short POLLPRI = 0x2;
    public const short POLLOUT = 0x4;
    public const short POLLERR = 0x8;
    public const short POLLHUP = 0x10;
    public const short POLLNVAL = 0x20;

    // ioctl(2)
    public const uint TIOCEXCL = 0x540C;
    public const uint TIOCNXCL = 0x540D;
    public const uint TIOCOUTQ = 0x5411;
    public const uint FIONREAD = 0x541B;
    public const uint TIOCMGET = 0x5415;

    /// <summary>Baud rate in bits per second to the speed_t constant cfsetspeed takes.</summary>
    public static bool TryGetSpeed(int baud, out uint speed)
    {
        speed = baud switch
        {
            1200 => B1200,
            1800 => B1800,
            2400 => B2400,
            4800 => B4800,
            9600 => B9600,
            19200 => B19200,
            38400 => B38400,
            57600 => B57600,
            115200 => B115200,
            230400 => B230400,
            _ => uint.MaxValue,
        };
        return speed != uint.MaxValue;
    }

    /// <summary>speed_t constant to bits per second, or 0 if unknown (B0 is also 0).</summary>
    public static int ToBaud(uint speed) => speed switch
    {
        B1200 => 1200,
        B1800 => 1800,
        B2400 => 2400,
        B4800 => 4800,
        B9600 => 9600,
        B19200 => 19200,
        B38400 => 38400,
        B57600 => 57600,
        B115200 => 115200,
        B230400 => 230400,
        _ => 0,
    };
}
