using PosAgent.Devices;
using FirmwareSim.Interop;
using PosAgent.TestSupport;

namespace FirmwareSim.Tests;

/// <summary>A device path opened raw with the project's interop (open, termios, poll, read, write).</summary>
internal sealed class RawPort : IDisposable
{
    private readonly SafeFileDescriptorHandle _fd;

    public RawPort(string path, int baud)
    {
        _fd = SafeFileDescriptorHandle.Open(path, TermiosConst.O_RDWR | TermiosConst.O_NOCTTY | TermiosConst.O_NONBLOCK);
        Tty.ConfigureRaw(_fd, path, baud, SerialFraming.EightNoneOne, FlowControl.None);
    }

    public void Write(byte[] data) => Assert.Equal(data.Length, Libc.Write(_fd, data));

    /// <summary>Reads exactly <paramref name="count"/> bytes with poll, bounded by a deadline (no sleeps).</summary>
    public Task<byte[]> ReadAsync(int count) => Task.Run(() =>
    {
        var result = new List<byte>();
        var buffer = new byte[256];
        var deadline = DateTime.UtcNow.AddSeconds(10);
        while (result.Count < count && DateTime.UtcNow < deadline)
        {
            if ((Libc.PollOne(_fd, TermiosConst.POLLIN, 100) & TermiosConst.POLLIN) == 0)
            {
                continue;
            }

            var n = Libc.Read(_fd, buffer.AsSpan(0, Math.Min(buffer.Length, count - result.Count)));
            if (n > 0)
            {
                result.AddRange(buffer.AsSpan(0, (int)n).ToArray());
            }
        }

        return result.ToArray();
    }).WithTimeout();

    public void Dispose() => _fd.Dispose();
}
