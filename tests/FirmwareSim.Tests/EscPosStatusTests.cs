using FirmwareSim.EscPos;

namespace FirmwareSim.Tests;

public sealed class EscPosStatusTests
{
    public static TheoryData<PrinterStatus> AllStatuses()
    {
        var data = new TheoryData<PrinterStatus>();
        for (var bits = 0; bits < 32; bits++)
        {
            data.Add(new PrinterStatus((bits & 1) != 0, (bits & 2) != 0, (bits & 4) != 0, (bits & 8) != 0, (bits & 16) != 0));
        }

        return data;
    }

    [Theory]
    [MemberData(nameof(AllStatuses))]
    public void RealTime_AnyStatus_KeepsFixedBitsAndReportsEachSensor(PrinterStatus status)
    {
        for (var n = 1; n <= 4; n++)
        {
            var b = EscPosStatus.RealTime(n, status)!.Value;
            Assert.Equal(0x12, b & 0x93);
        }

        Assert.Equal(status.IsStopped, (EscPosStatus.RealTime(1, status)!.Value & 0x08) != 0);
        Assert.Equal(status.DrawerOpen, (EscPosStatus.RealTime(1, status)!.Value & 0x04) != 0);
        Assert.Equal(status.CoverOpen, (EscPosStatus.RealTime(2, status)!.Value & 0x04) != 0);
        Assert.Equal(status.PaperOut, (EscPosStatus.RealTime(2, status)!.Value & 0x20) != 0);
        Assert.Equal(status.PaperOut, (EscPosStatus.RealTime(4, status)!.Value & 0x60) == 0x60);
        Assert.Equal(status.PaperOut || status.PaperNearEnd, (EscPosStatus.RealTime(4, status)!.Value & 0x0C) == 0x0C);
        var asb = EscPosStatus.AutoStatusBack(status);
        Assert.Equal(4, asb.Length);
        Assert.Equal(0x10, asb[0] & 0x93);
    }

    [Fact]
    public void RealTime_AllNormal_Is0x12()
    {
        Assert.Equal([0x12, 0x12, 0x12, 0x12], Enumerable.Range(1, 4).Select(n => EscPosStatus.RealTime(n, default)!.Value));
        Assert.Null(EscPosStatus.RealTime(9, default));
    }
}
