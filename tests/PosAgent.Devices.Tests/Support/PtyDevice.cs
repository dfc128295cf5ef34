using FirmwareSim.Interop;

namespace PosAgent.Devices.Tests.Support;

/// <summary>
/// A bare pseudo-terminal standing in for a device, reached through a stable symlink; the test writes
/// and reads the master side. Unplug closes the master and removes the link, Replug makes a new pair.
/// </summary>
internal sealed class PtyDevice : IDisposable
{
    private readonly string _link;
    private PseudoTerminal? _pty;

    public PtyDevice(string link)
    {
        _link = link;
        Replug();
    }

    public string Path => _link;

    public PseudoTerminal Pty => _pty ?? throw new InvalidOperationException("Unplugged.");

    public void Write(ReadOnlySpan<byte> bytes)
    {
        while (!bytes.IsEmpty)
        {
            var n = Libc.Write(Pty.Master, bytes);
            if (n > 0)
            {
                bytes = bytes[(int)n..];
            }
            else
            {
                Libc.PollOne(Pty.Master, TermiosConst.POLLOUT, 100);
            }
        }
    }

    public void Write(string ascii) => Write(System.Text.Encoding.ASCII.GetBytes(ascii));

    /// <summary>True once a client has opened the slave (the master no longer reports POLLHUP).</summary>
    public bool ClientAttached => (Libc.PollOne(Pty.Master, TermiosConst.POLLIN, 0) & TermiosConst.POLLHUP) == 0;

    public void Unplug()
    {
        File.Delete(_link);
        _pty?.Dispose();
        _pty = null;
    }

    public void Replug()
    {
        _pty = PseudoTerminal.Open();
        File.Delete(_link);
        File.CreateSymbolicLink(_link, _pty.SlavePath);
    }

    public void Dispose() => Unplug();
}
