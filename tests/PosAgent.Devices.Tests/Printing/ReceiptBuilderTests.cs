using System.Text;
using PosAgent.Devices.Printing;

namespace PosAgent.Devices.Tests.Printing;

public sealed class ReceiptBuilderTests
{
    static ReceiptBuilderTests() => Encoding.RegisterProvider(CodePagesEncodingProvider.Instance);

    private static PrinterProfile Profile(int chars = 48, int codePage = 866, int table = 17) =>
        new() { CharsPerLine = chars, CodePage = codePage, CodeTable = table };

    private static bool Contains(byte[] haystack, params byte[] needle) => haystack.AsSpan().IndexOf(needle) >= 0;

    [Fact]
    public void Build_Always_StartsWithInitAndCodeTable()
    {
        var receipt = new ReceiptBuilder(Profile(table: 46, codePage: 1251)).Build();

        Assert.Equal(new byte[] { 0x1B, 0x40, 0x1B, 0x74, 46 }, receipt.Bytes);
        Assert.Equal([0, 2], receipt.Boundaries);
    }

    [Theory]
    [InlineData(32)]
    [InlineData(42)]
    [InlineData(48)]
    public void Columns_ItemAndPrice_FillExactlyTheLineWidth(int chars)
    {
        var receipt = new ReceiptBuilder(Profile(chars))
            .Columns("A very long product name that cannot possibly fit on one line", ReceiptBuilder.Money(123456))
            .Rule()
            .Build();

        var lines = receipt.Text.Split('\n', StringSplitOptions.RemoveEmptyEntries);
        Assert.Equal(chars, lines[0].Length);
        Assert.EndsWith(" 1 234.56", lines[0], StringComparison.Ordinal);
        Assert.Equal(new string('-', chars), lines[1]);
    }

    [Fact]
    public void Columns_ThreeCellsWiderThanLine_Throws()
    {
        var builder = new ReceiptBuilder(Profile(32));

        var ex = Assert.Throws<ArgumentException>(() => builder.Columns(("a", 20, ReceiptAlignment.Left), ("b", 10, ReceiptAlignment.Right), ("c", 5, ReceiptAlignment.Right)));

        Assert.Contains("32", ex.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void DoubleSize_HalvesWidthAndEmitsGsBang()
    {
        var builder = new ReceiptBuilder(Profile(42)).DoubleSize();

        Assert.Equal(21, builder.Width);
        var receipt = builder.Rule('=').Build();
        Assert.True(Contains(receipt.Bytes, 0x1D, 0x21, 0x11));
        Assert.Contains(new string('=', 21) + "\n", receipt.Text, StringComparison.Ordinal);
    }

    [Fact]
    public void Line_LongText_WrapsAtWords()
    {
        var receipt = new ReceiptBuilder(Profile(32)).Line("Thank you for shopping with us, see you again very soon").Build();

        var lines = receipt.Text.TrimEnd('\n').Split('\n');
        Assert.All(lines, l => Assert.True(l.Length <= 32, l));
        Assert.Equal("Thank you for shopping with us, see you again very soon", string.Join(' ', lines));
    }

    [Theory]
    [InlineData(866, 17)]
    [InlineData(1251, 46)]
    public void Line_Cyrillic_EncodedInProfileCodePage(int codePage, int table)
    {
        var receipt = new ReceiptBuilder(Profile(codePage: codePage, table: table)).Line("Итого: 100 руб.").Build();

        var expected = Encoding.GetEncoding(codePage).GetBytes("Итого: 100 руб.\n");
        Assert.True(Contains(receipt.Bytes, expected));
        Assert.Empty(receipt.ReplacedCharacters);
    }

    [Fact]
    public void Line_RubleSignAndEmoji_ReplacedWithQuestionMarkAndReported()
    {
        var receipt = new ReceiptBuilder(Profile()).Line("Итого 100 ₽ 🙂").Build();

        Assert.Equal(["₽", "🙂"], receipt.ReplacedCharacters.Order(StringComparer.Ordinal));
        Assert.True(Contains(receipt.Bytes, Encoding.GetEncoding(866).GetBytes("Итого 100 ? ?\n")));
    }

    [Fact]
    public void Line_ControlCharacter_NotSentAsCommand()
    {
        var receipt = new ReceiptBuilder(Profile()).Line("evil\u001B@text").Build();

        Assert.True(Contains(receipt.Bytes, "evil?@text\n"u8.ToArray()));
        Assert.Contains("U+001B", receipt.ReplacedCharacters);
    }

    [Fact]
    public void Ean13_TwelveDigits_AddsCheckDigit()
    {
        var receipt = new ReceiptBuilder(Profile()).Ean13("400638133393").Build();

        Assert.True(Contains(receipt.Bytes, [0x1D, 0x6B, 67, 13, .. "4006381333931"u8]));
    }

    [Theory]
    [InlineData("4006381333932")]
    [InlineData("40063813339")]
    [InlineData("40063813339A")]
    public void Ean13_BadInput_Throws(string digits)
    {
        Assert.Throws<ArgumentException>(() => new ReceiptBuilder(Profile()).Ean13(digits));
    }

    [Fact]
    public void Code128_DataWithBrace_UsesCodeSetBAndEscapesBrace()
    {
        var receipt = new ReceiptBuilder(Profile()).Code128("AB{1").Build();

        Assert.True(Contains(receipt.Bytes, [0x1D, 0x6B, 73, 7, .. "{BAB{{1"u8]));
    }

    [Fact]
    public void Qr_Data_StoresWithLengthAndPrints()
    {
        var receipt = new ReceiptBuilder(Profile()).Qr("https://example.org/r/42", 5, QrErrorCorrection.Q).Build();

        Assert.True(Contains(receipt.Bytes, 0x1D, 0x28, 0x6B, 0x04, 0x00, 0x31, 0x41, 0x32, 0x00));
        Assert.True(Contains(receipt.Bytes, 0x1D, 0x28, 0x6B, 0x03, 0x00, 0x31, 0x43, 5));
        Assert.True(Contains(receipt.Bytes, 0x1D, 0x28, 0x6B, 0x03, 0x00, 0x31, 0x45, 0x32));
        Assert.True(Contains(receipt.Bytes, [0x1D, 0x28, 0x6B, 27, 0x00, 0x31, 0x50, 0x30, .. "https://example.org/r/42"u8]));
        Assert.True(Contains(receipt.Bytes, 0x1D, 0x28, 0x6B, 0x03, 0x00, 0x31, 0x51, 0x30));
    }

    [Fact]
    public void CutAndDrawer_EmitFeedCutAndPulse()
    {
        var receipt = new ReceiptBuilder(Profile()).Align(ReceiptAlignment.Center).Bold().Line("X").KickDrawer().Cut().Build();

        Assert.True(Contains(receipt.Bytes, 0x1B, 0x61, 1));
        Assert.True(Contains(receipt.Bytes, 0x1B, 0x45, 1));
        Assert.True(Contains(receipt.Bytes, 0x1B, 0x70, 0x00, 0x19, 0xFA));
        Assert.True(Contains(receipt.Bytes, 0x1B, 0x64, 4, 0x1D, 0x56, 0x00));
    }

    [Fact]
    public void Cut_ProfileWithoutCutter_OnlyFeeds()
    {
        var profile = Profile(32);
        profile.HasCutter = false;

        var receipt = new ReceiptBuilder(profile).Cut().Build();

        Assert.False(Contains(receipt.Bytes, 0x1D, 0x56));
    }

    [Fact]
    public void Boundaries_EveryOneStartsACommandOrALine()
    {
        var receipt = new ReceiptBuilder(Profile()).Line("a").Bold().Ean13("400638133393").Qr("q").Cut().Build();

        Assert.Equal(receipt.Boundaries.Order(), receipt.Boundaries);
        Assert.All(receipt.Boundaries, b => Assert.True(receipt.Bytes[b] is 0x1B or 0x1D || receipt.Bytes[b] >= 0x20, $"offset {b}"));
    }

    [Fact]
    public void Validate_BadProfile_ListsEveryProblem()
    {
        var profile = new PrinterProfile { CharsPerLine = 40, CodePage = 99999, CodeTable = 300 };

        var problems = profile.Validate("printer");

        Assert.Equal(3, problems.Count);
    }
}
