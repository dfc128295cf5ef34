using System.Text;
using PosAgent.Devices.Scanning;

namespace PosAgent.Devices.Tests.Scanning;

public sealed class ScanFrameParserTests
{
    [Theory]
    [InlineData(ScannerSuffix.Cr, "\r")]
    [InlineData(ScannerSuffix.Lf, "\n")]
    [InlineData(ScannerSuffix.CrLf, "\r\n")]
    [InlineData(ScannerSuffix.Tab, "\t")]
    public void Feed_TwoFramesWithSuffix_CutsBoth(ScannerSuffix suffix, string terminator)
    {
        var parser = new ScanFrameParser(suffix, string.Empty, 64);
        var frames = new List<ScanFrame>();

        parser.Feed(Encoding.ASCII.GetBytes($"]E04006381333931{terminator}]C0ABC-123{terminator}"), frames);

        Assert.Equal(["]E04006381333931", "]C0ABC-123"], frames.Select(f => f.Text));
        Assert.False(parser.HasPending);
    }

    [Fact]
    public void Feed_FrameSplitAcrossReads_JoinsIt()
    {
        var parser = new ScanFrameParser(ScannerSuffix.CrLf, "#", 64);
        var frames = new List<ScanFrame>();

        parser.Feed("#]E040063"u8, frames);
        Assert.True(parser.HasPending);
        parser.Feed("81333931\r"u8, frames);
        Assert.Empty(frames);
        parser.Feed("\n"u8, frames);

        Assert.Equal("]E04006381333931", Assert.Single(frames).Text);
    }

    [Fact]
    public void Feed_MissingPrefix_ReportsAndNextFrameWorks()
    {
        var parser = new ScanFrameParser(ScannerSuffix.Cr, "#", 64);
        var frames = new List<ScanFrame>();

        parser.Feed("12345\r#67890\r"u8, frames);

        Assert.Equal(ScanErrorReason.MissingPrefix, frames[0].Error);
        Assert.Equal("67890", frames[1].Text);
    }

    [Fact]
    public void Feed_CrLfOnCrPort_IgnoresLeadingLineFeed()
    {
        var parser = new ScanFrameParser(ScannerSuffix.Cr, string.Empty, 64);
        var frames = new List<ScanFrame>();

        parser.Feed("111\r\n222\r\n"u8, frames);

        Assert.Equal(["111", "222"], frames.Select(f => f.Text));
    }

    [Fact]
    public void Feed_NonAsciiByte_ReportsNonAsciiWithOffset()
    {
        var parser = new ScanFrameParser(ScannerSuffix.Cr, string.Empty, 64);
        var frames = new List<ScanFrame>();

        parser.Feed([0x31, 0x32, 0xE9, 0x0D, 0x33, 0x0D], frames);

        Assert.Equal(ScanErrorReason.NonAscii, frames[0].Error);
        Assert.Contains("offset 2", frames[0].Detail, StringComparison.Ordinal);
        Assert.Equal("3", frames[1].Text);
    }

    [Fact]
    public void Feed_ControlByte_ReportsGarbageButKeepsGroupSeparator()
    {
        var parser = new ScanFrameParser(ScannerSuffix.Cr, string.Empty, 64);
        var frames = new List<ScanFrame>();

        parser.Feed([0x41, 0x07, 0x0D, .. "]C1"u8, 0x1D, 0x30, 0x0D], frames);

        Assert.Equal(ScanErrorReason.Garbage, frames[0].Error);
        Assert.Equal("]C1\u001D0", frames[1].Text);
    }

    [Fact]
    public void Feed_OverLongLine_ReportsOnceAndResyncsAtSuffix()
    {
        var parser = new ScanFrameParser(ScannerSuffix.Cr, string.Empty, 16);
        var frames = new List<ScanFrame>();

        parser.Feed(Encoding.ASCII.GetBytes(new string('7', 100) + "\r" + "4006381333931\r"), frames);

        Assert.Equal(2, frames.Count);
        Assert.Equal(ScanErrorReason.OverLong, frames[0].Error);
        Assert.Equal("4006381333931", frames[1].Text);
    }

    [Fact]
    public void Flush_PendingBytes_ReportsPartialFrame()
    {
        var parser = new ScanFrameParser(ScannerSuffix.Cr, string.Empty, 64);
        var frames = new List<ScanFrame>();
        parser.Feed("]E0400638"u8, frames);

        parser.Flush(frames);
        parser.Feed("4006381333931\r"u8, frames);

        Assert.Equal(ScanErrorReason.PartialFrame, frames[0].Error);
        Assert.Equal("4006381333931", frames[1].Text);
    }

    [Fact]
    public void Feed_BoundedRandomBytes_NeverThrowsAndRecovers()
    {
        // Fixed seeds: a failure reproduces; 2,000 rounds of up to 600 bytes keep it under a second.
        for (var seed = 0; seed < 2000; seed++)
        {
            var random = new Random(seed);
            var suffix = (ScannerSuffix)(seed % 4);
            var parser = new ScanFrameParser(suffix, seed % 3 == 0 ? "#" : string.Empty, 16 + random.Next(1, 128));
            var frames = new List<ScanFrame>();
            var noise = new byte[random.Next(0, 600)];
            random.NextBytes(noise);

            parser.Feed(noise, frames);
            if (random.Next(2) == 0)
            {
                parser.Flush(frames);
            }

            Assert.All(frames, f => Assert.True(f.IsGood ? f.Text is not null : f.Detail is not null, $"seed {seed}"));
            var terminator = suffix switch
            {
                ScannerSuffix.Cr => "\r",
                ScannerSuffix.Lf => "\n",
                ScannerSuffix.CrLf => "\r\n",
                _ => "\t",
            };

            // One suffix ends whatever the noise left; the scan after it must come through intact.
            frames.Clear();
            parser.Feed(Encoding.ASCII.GetBytes(terminator + (seed % 3 == 0 ? "#" : string.Empty) + "4006381333931" + terminator), frames);
            Assert.Equal("4006381333931", frames[^1].Text);
        }
    }
}
