using PosAgent.Devices.Printing;

namespace PosAgent.Devices.Tests.Printing;

public sealed class PrinterStatusTests
{
    [Theory]
    [InlineData(0x12, 0x12, 0x12, "ready")]
    [InlineData(0x1A, 0x12, 0x12, "offline")]
    [InlineData(0x1A, 0x16, 0x12, "cover open, offline")]
    [InlineData(0x1A, 0x32, 0x7E, "paper out, offline")]
    [InlineData(0x12, 0x12, 0x1E, "paper near end")]
    [InlineData(0x1A, 0x52, 0x12, "offline, error")]
    public void FromRealTime_DleEotAnswers_Decoded(byte printer, byte cause, byte paper, string expected)
    {
        var status = PrinterStatus.FromRealTime(printer, cause, paper);

        Assert.Equal(expected, status.ToString());
        Assert.Equal(expected is "ready" or "paper near end", status.IsReady);
    }

    [Fact]
    public void FromAutoStatusBack_PaperOutBlock_Decoded()
    {
        var status = PrinterStatus.FromAutoStatusBack([0x18, 0x20, 0x0F, 0x00]);

        Assert.True(status.PaperEnd);
        Assert.True(status.Offline);
        Assert.False(status.IsReady);
    }

    [Fact]
    public void StatusStream_MixedAnswersBlocksAndNoise_Sorted()
    {
        var stream = new PosAgent.Devices.Internal.StatusStream();

        stream.Feed([0x12, 0x10, 0x00, 0x00, 0x00, 0x16, 0xFF, 0x1E]);

        Assert.Equal(3, stream.AnswerCount);
        Assert.Equal(PrinterStatus.Ready, stream.AutoStatus);
        Assert.Equal(1, stream.Garbage);
        Assert.Equal([0x12, 0x16, 0x1E], new[] { stream.TakeAnswer(), stream.TakeAnswer(), stream.TakeAnswer() });
    }
}
