using FirmwareSim.Receipts;

namespace FirmwareSim.Tests;

public sealed class BarcodeEncoderTests
{
    [Fact]
    public void Code128Patterns_Are107DistinctSymbolsOfElevenModules()
    {
        Assert.Equal(107, BarcodeEncoder.Code128Patterns.Length);
        Assert.Equal(106, BarcodeEncoder.Code128Patterns[..106].Distinct().Count());
        Assert.All(BarcodeEncoder.Code128Patterns[..106], p => Assert.Equal(11, p.Sum(c => c - '0')));
        Assert.Equal(13, BarcodeEncoder.Code128Patterns[106].Sum(c => c - '0'));
    }

    [Fact]
    public void TryEncodeEan13_TwelveDigits_Has95ModulesWithGuards()
    {
        Assert.True(BarcodeEncoder.TryEncodeEan13("400638133393", out var modules, out var hri, out _));

        Assert.Equal("4006381333931", hri);
        Assert.Equal(95, modules.Length);
        Assert.Equal([true, false, true], modules[..3]);
        Assert.Equal([false, true, false, true, false], modules[45..50]);
        Assert.Equal([true, false, true], modules[^3..]);
    }

    [Fact]
    public void TryEncodeCode128_KnownValue_EndsWithChecksumAndStop()
    {
        // "{BAB": start B (104) + A (33) + B (34): checksum (104 + 33*1 + 34*2) % 103 = 102.
        Assert.True(BarcodeEncoder.TryEncodeCode128("{BAB"u8, out var modules, out var hri, out _));

        Assert.Equal("AB", hri);
        Assert.Equal((4 * 11) + 13, modules.Length);
        var check = string.Concat(modules.Skip(33).Take(11).Select(m => m ? '1' : '0'));
        Assert.Equal(Widths(BarcodeEncoder.Code128Patterns[102]), check);
    }

    [Theory]
    [InlineData("AB", "start with a code set")]
    [InlineData("{BA{X", "escape '{X'")]
    [InlineData("{C\u00C8", "0-99")]
    public void TryEncodeCode128_BadData_NamesTheProblem(string data, string expected)
    {
        Assert.False(BarcodeEncoder.TryEncodeCode128(System.Text.Encoding.Latin1.GetBytes(data), out _, out _, out var error));
        Assert.Contains(expected, error, StringComparison.Ordinal);
    }

    private static string Widths(string pattern) =>
        string.Concat(pattern.Select((c, i) => new string(i % 2 == 0 ? '1' : '0', c - '0')));
}
