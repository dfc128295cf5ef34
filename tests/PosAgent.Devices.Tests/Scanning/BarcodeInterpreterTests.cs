using PosAgent.Devices.Scanning;

namespace PosAgent.Devices.Tests.Scanning;

public sealed class BarcodeInterpreterTests
{
    private static readonly LoyaltyCardFormat LuhnCard = new() { Name = "CSM", Length = 16, Prefixes = ["7789"], CheckDigit = CardCheckDigit.Luhn };
    private static readonly LoyaltyCardFormat EanCard = new() { Name = "INV-KZ", Length = 13, Prefixes = ["29"], CheckDigit = CardCheckDigit.Ean13 };

    private static BarcodeInterpreter CreateSut() => new([LuhnCard, EanCard]);

    [Theory]
    [InlineData("]E04006381333931", Symbology.Ean13, "4006381333931")]
    [InlineData("]E0036000291452", Symbology.UpcA, "036000291452")]
    [InlineData("]E496385074", Symbology.Ean8, "96385074")]
    [InlineData("]C0ABC-123", Symbology.Code128, "ABC-123")]
    [InlineData("]C1\u001D0104012345123456", Symbology.Gs1128, "\u001D0104012345123456")]
    [InlineData("]A0CODE39", Symbology.Code39, "CODE39")]
    [InlineData("]I012345678", Symbology.Itf, "12345678")]
    [InlineData("]Q1https://example.org/x", Symbology.Qr, "https://example.org/x")]
    [InlineData("]d1DM-DATA", Symbology.DataMatrix, "DM-DATA")]
    [InlineData("]d2\u001D0104600000000001", Symbology.Gs1DataMatrix, "\u001D0104600000000001")]
    [InlineData("]X0whatever", Symbology.Other, "whatever")]
    [InlineData("4006381333931", Symbology.Ean13, "4006381333931")]
    [InlineData("HELLO", Symbology.Unknown, "HELLO")]
    public void Decode_AimIdentifier_MapsSymbologyAndStripsIt(string text, Symbology symbology, string data)
    {
        var scan = CreateSut().Decode(text);

        Assert.Null(scan.Error);
        Assert.Equal(symbology, scan.Symbology);
        Assert.Equal(data, scan.Data);
        Assert.Equal(ScanKind.Product, scan.Kind);
    }

    [Theory]
    [InlineData("]E04006381333932")]
    [InlineData("]E0400638133393")]
    [InlineData("]E0400638133393X")]
    [InlineData("]E496385075")]
    public void Decode_BadEanUpc_ReportsBadCheckDigit(string text)
    {
        var scan = CreateSut().Decode(text);

        Assert.Equal(ScanErrorReason.BadCheckDigit, scan.Error);
        Assert.False(string.IsNullOrEmpty(scan.Detail));
    }

    [Fact]
    public void Decode_LuhnCardInCode128_IsLoyaltyCard()
    {
        var scan = CreateSut().Decode("]C07789000000000002");

        Assert.Equal(ScanKind.LoyaltyCard, scan.Kind);
        Assert.Equal("CSM", scan.CardFormat);
    }

    [Fact]
    public void Decode_EanCardWithPrefix_IsLoyaltyCardAndProductEanIsNot()
    {
        var card = CreateSut().Decode("]E02900000000018");
        var product = CreateSut().Decode("]E04006381333931");

        Assert.Equal(("INV-KZ", ScanKind.LoyaltyCard), (card.CardFormat, card.Kind));
        Assert.Equal(ScanKind.Product, product.Kind);
    }

    [Theory]
    [InlineData("7789000000000007")]
    [InlineData("7790000000000009")]
    [InlineData("778900000000000")]
    public void Decode_CardLikeButWrongCheckPrefixOrLength_IsProduct(string number)
    {
        var scan = CreateSut().Decode("]C0" + number);

        Assert.Equal(ScanKind.Product, scan.Kind);
    }

    [Fact]
    public void Decode_AimWithoutData_ReportsEmpty()
    {
        Assert.Equal(ScanErrorReason.Empty, CreateSut().Decode("]E0").Error);
    }

    [Theory]
    [InlineData("79927398713", true)]
    [InlineData("79927398710", false)]
    [InlineData("7789000000000002", true)]
    public void IsValidLuhn_KnownNumbers(string number, bool valid) => Assert.Equal(valid, CheckDigits.IsValidLuhn(number));

    [Fact]
    public void Validate_BadCardFormat_ListsEveryProblem()
    {
        var format = new LoyaltyCardFormat { Name = "", Length = 2, Prefixes = ["A1"], CheckDigit = (CardCheckDigit)9 };

        var problems = format.Validate("scanner");

        Assert.Equal(4, problems.Count);
    }

    [Fact]
    public void ScanEvent_ToString_MasksCardNumber()
    {
        var e = new PosAgent.Devices.ScanEvent("scanner", DateTimeOffset.UnixEpoch, Symbology.Code128, "7789000000000002", ScanKind.LoyaltyCard, "CSM");

        Assert.DoesNotContain("7789000000000002", e.ToString(), StringComparison.Ordinal);
        Assert.Contains("************0002", e.ToString(), StringComparison.Ordinal);
    }

    [Fact]
    public void DuplicateFilter_SameCodeInsideWindow_ReportedOnceThenAgainAfter()
    {
        var time = PosAgent.TestSupport.TestClock.Create();
        var filter = new DuplicateFilter(TimeSpan.FromSeconds(1), time);

        Assert.True(filter.ShouldReport(Symbology.Ean13, "4006381333931"));
        time.Advance(TimeSpan.FromMilliseconds(900));
        Assert.False(filter.ShouldReport(Symbology.Ean13, "4006381333931"));
        Assert.True(filter.ShouldReport(Symbology.Ean8, "96385074"));
        time.Advance(TimeSpan.FromMilliseconds(100));
        Assert.True(filter.ShouldReport(Symbology.Ean13, "4006381333931"));
    }
}
