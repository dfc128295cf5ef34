using System.Text;
using PosAgent.Devices.Interop;
using Sim = FirmwareSim.Interop;

namespace PosAgent.Devices.Tests.Interop;

public sealed class PseudoTerminalTests
{
    private const int OpenFlags = TermiosConst.O_RDWR | TermiosConst.O_NOCTTY | TermiosConst.O_NONBLOCK;

    [Fact]
    public void Termios_Layout_Is60BytesGlibc()
    {
        Assert.Equal(60, System.Runtime.CompilerServices.Unsafe.SizeOf<Termios>());
    }

    [Theory]
    [InlineData(9600, SerialFraming.EightNoneOne, FlowControl.None)]
    [InlineData(115200, SerialFraming.EightNoneOne, FlowControl.XonXoff)]
    [InlineData(1200, SerialFraming.EightNoneTwo, FlowControl.None)]
    public void ConfigureRaw_OnSlave_MasterSeesSameSettings(int baud, SerialFraming framing, FlowControl flow)
    {
        using var pty = Sim.PseudoTerminal.Open();
        using var slave = SafeFileDescriptorHandle.Open(pty.SlavePath, OpenFlags);

        Tty.ConfigureRaw(slave, pty.SlavePath, baud, framing, flow);

        var seen = Sim.Tty.GetAttributes(pty.Master, "master");
        Assert.Equal(baud, Sim.Tty.GetBaud(seen));
        Assert.Equal(framing == SerialFraming.SevenEvenOne ? TermiosConst.CS7 : TermiosConst.CS8, seen.ControlFlags & TermiosConst.CSIZE);
        Assert.Equal(framing == SerialFraming.EightNoneTwo, (seen.ControlFlags & TermiosConst.CSTOPB) != 0);
        Assert.Equal(framing == SerialFraming.SevenEvenOne, (seen.ControlFlags & TermiosConst.PARENB) != 0);
        Assert.Equal(flow == FlowControl.XonXoff, (seen.InputFlags & TermiosConst.IXON) != 0);
        Assert.Equal(0u, seen.LocalFlags & (TermiosConst.ICANON | TermiosConst.ECHO));
    }

    [Fact]
    public void BuildRaw_SevenEvenOneRtsCts_SetsParityAndHandshakeBits()
    {
        // This kernel's pty rejects CS7/PARENB with EINVAL, so 7E1 is checked on the struct only.
        var t = Tty.BuildRaw(default, 4800, SerialFraming.SevenEvenOne, FlowControl.RtsCts);

        Assert.Equal(TermiosConst.CS7, t.ControlFlags & TermiosConst.CSIZE);
        Assert.NotEqual(0u, t.ControlFlags & TermiosConst.PARENB);
        Assert.Equal(0u, t.ControlFlags & (TermiosConst.PARODD | TermiosConst.CSTOPB));
        Assert.NotEqual(0u, t.ControlFlags & TermiosConst.CRTSCTS);
        Assert.Equal(4800, Tty.GetBaud(t));
        Assert.Equal(0, t.Cc[TermiosConst.VMIN]);
    }

    [Fact]
    public void WriteOnMaster_PollAndReadOnSlave_ReceivesBytesUnchanged()
    {
        using var pty = Sim.PseudoTerminal.Open();
        using var slave = SafeFileDescriptorHandle.Open(pty.SlavePath, OpenFlags);
        Tty.ConfigureRaw(slave, pty.SlavePath, 9600, SerialFraming.EightNoneOne, FlowControl.None);
        var sent = Encoding.ASCII.GetBytes("]E04006381333931\r\n");

        Assert.Equal(sent.Length, Sim.Libc.Write(pty.Master, sent));
        var revents = Libc.PollOne(slave, TermiosConst.POLLIN, 5000);
        Assert.True((revents & TermiosConst.POLLIN) != 0, $"poll revents {revents}");
        var buffer = new byte[64];
        var n = Libc.Read(slave, buffer);

        Assert.Equal(sent, buffer[..(int)n]);
    }

    [Fact]
    public void ReadOnMaster_AfterSlaveClosed_ReportsHangUp()
    {
        using var pty = Sim.PseudoTerminal.Open();

        var revents = Sim.Libc.PollOne(pty.Master, TermiosConst.POLLIN, 0);

        Assert.True((revents & TermiosConst.POLLHUP) != 0, $"poll revents {revents}");
    }

    [Fact]
    public void Open_MissingDevice_ThrowsNamingThePath()
    {
        var ex = Assert.Throws<FileNotFoundException>(() => SafeFileDescriptorHandle.Open("/dev/does-not-exist-pa", OpenFlags));

        Assert.Contains("/dev/does-not-exist-pa", ex.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void ConfigureRaw_UnsupportedBaud_Throws()
    {
        using var pty = Sim.PseudoTerminal.Open();

        Assert.Throws<ArgumentOutOfRangeException>(() => Sim.Tty.ConfigureRaw(pty.Master, pty.SlavePath, 12345, SerialFraming.EightNoneOne, FlowControl.None));
    }
}
