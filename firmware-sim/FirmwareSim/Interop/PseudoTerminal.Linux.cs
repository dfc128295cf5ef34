using PosAgent.Devices;

namespace FirmwareSim.Interop;

/// <summary>
/// A pseudo-terminal master with its slave path. The pair is made raw from the master at once
/// (a fresh slave is cooked, with echo), and the slave is opened and closed once so that a later
/// POLLHUP on the master reliably means "no client attached".
/// </summary>
internal sealed class PseudoTerminal : IDisposable
{
    private PseudoTerminal(SafeFileDescriptorHandle master, string slavePath)
    {
        Master = master;
        SlavePath = slavePath;
    }

    public SafeFileDescriptorHandle Master { get; }

    /// <summary>/dev/pts/N.</summary>
    public string SlavePath { get; }

    /// <summary>Opens a new pair: non-blocking master, raw, 9600 8N1 unless told otherwise.</summary>
    public static PseudoTerminal Open(int baud = 9600, SerialFraming framing = SerialFraming.EightNoneOne)
    {
        const string device = "/dev/ptmx";
        var fd = Libc.PosixOpenPt(TermiosConst.O_RDWR | TermiosConst.O_NOCTTY | TermiosConst.O_CLOEXEC);
        if (fd < 0)
        {
            throw Errno.LastToException("posix_openpt", device);
        }

        var master = new SafeFileDescriptorHandle(fd);
        try
        {
            if (Libc.GrantPt(master) != 0)
            {
                throw Errno.LastToException("grantpt", device);
            }

            if (Libc.UnlockPt(master) != 0)
            {
                throw Errno.LastToException("unlockpt", device);
            }

            var slavePath = Libc.PtsName(master);
            Tty.ConfigureRaw(master, slavePath, baud, framing, FlowControl.None);
            Tty.SetNonBlocking(master, slavePath, nonBlocking: true);
            using (SafeFileDescriptorHandle.Open(slavePath, TermiosConst.O_RDWR | TermiosConst.O_NOCTTY))
            {
                // Opened and closed once on purpose: see the class comment.
            }

            return new PseudoTerminal(master, slavePath);
        }
        catch
        {
            master.Dispose();
            throw;
        }
    }

    public void Dispose() => Master.Dispose();
}
