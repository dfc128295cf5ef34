using System.Runtime.InteropServices;

namespace FirmwareSim.Internal;

/// <summary>
/// A named pipe standing in for a USB HID scanner's node (/dev/input/eventN or /dev/hidrawN; this
/// machine has no uinput/uhid): the agent reads the FIFO, the simulator writes evdev records or HID
/// reports into it. Held open read-write so it always has a writer; unplugging closes it and
/// removes the FIFO, which a reader sees as a hang-up, as it sees ENODEV on a real unplug.
/// </summary>
internal sealed partial class FifoLine : IScannerLine
{
    private readonly Lock _gate = new();
    private FileStream? _stream;

    public FifoLine(string path)
    {
        LinkPath = Path.GetFullPath(path);
    }

    public string LinkPath { get; }

    public string? SlavePath => IsPlugged ? LinkPath : null;

    public bool IsPlugged
    {
        get
        {
            lock (_gate)
            {
                return _stream is not null;
            }
        }
    }

    public void Plug()
    {
        lock (_gate)
        {
            if (_stream is not null)
            {
                return;
            }

            var dir = Path.GetDirectoryName(LinkPath);
            if (!string.IsNullOrEmpty(dir))
            {
                Directory.CreateDirectory(dir);
            }

            File.Delete(LinkPath);
            if (MkFifo(LinkPath, 0x1B6 /* 0666 */) != 0)
            {
                throw new IOException($"mkfifo {LinkPath} failed: {Marshal.GetPInvokeErrorMessage(Marshal.GetLastPInvokeError())}");
            }

            // Read-write: opening never waits for a reader, and the agent never sees "no writer".
            _stream = new FileStream(LinkPath, FileMode.Open, FileAccess.ReadWrite, FileShare.ReadWrite, bufferSize: 0);
        }
    }

    public void Unplug()
    {
        lock (_gate)
        {
            _stream?.Dispose();
            _stream = null;
            File.Delete(LinkPath);
        }
    }

    public bool Write(ReadOnlySpan<byte> data, CancellationToken cancellationToken)
    {
        lock (_gate)
        {
            if (_stream is null)
            {
                return false;
            }

            _stream.Write(data);
            return true;
        }
    }

    public int ClientBaud() => 0;

    public void Dispose() => Unplug();

    [LibraryImport("libc", EntryPoint = "mkfifo", SetLastError = true, StringMarshalling = StringMarshalling.Utf8)]
    private static partial int MkFifo(string path, uint mode);
}

/// <summary>What a simulated scanner writes its bytes to: a pseudo-terminal (serial) or a FIFO (USB HID).</summary>
internal interface IScannerLine : IDisposable
{
    /// <summary>The stable path clients open.</summary>
    string LinkPath { get; }

    /// <summary>The node behind the link, or null while unplugged.</summary>
    string? SlavePath { get; }

    bool IsPlugged { get; }

    void Plug();

    void Unplug();

    bool Write(ReadOnlySpan<byte> data, CancellationToken cancellationToken);

    /// <summary>The baud the client set, 0 when unknown or not a serial line.</summary>
    int ClientBaud();
}
