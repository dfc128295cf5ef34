using PosAgent.Rules;

namespace PosAgent.Rules.Tests;

public sealed class CardNumberFormatTests
{
    [Theory]
    [InlineData("4006381333931", true)]
    [InlineData("4006381333932", false)]
    [InlineData("400638133393", false)]
    [InlineData("40063813339a1", false)]
    public void Validate_Ean13_ChecksLengthDigitsAndCheckDigit(string number, bool valid)
    {
        var format = new CardNumberFormat(13, [], CheckDigitAlgorithm.Ean13);

        Assert.Equal(valid, format.IsValid(number));
    }

    [Theory]
    [InlineData("79927398713", true)]
    [InlineData("79927398710", false)]
    public void Validate_Luhn_ChecksCheckDigit(string number, bool valid)
    {
        var format = new CardNumberFormat(11, [], CheckDigitAlgorithm.Luhn);

        Assert.Equal(valid, format.IsValid(number));
    }

    [Fact]
    public void Validate_WrongPrefix_SaysWhichPrefixesAreAllowed()
    {
        var format = ProgramFiles.Get("csm").Card;

        var reason = format.Validate("1234567812345670");

        Assert.Contains("7800", reason, StringComparison.Ordinal);
    }

    [Fact]
    public void Mask_KeepsLastFourDigitsOnly() =>
        Assert.Equal("************0011", CardNumberFormat.Mask("7800000000000011"));

    [Fact]
    public void ShippedPrograms_HaveDistinctCardPrefixes()
    {
        var prefixes = LoyaltyProgram.LoadDirectory(ProgramFiles.Directory).Values.SelectMany(p => p.Card.Prefixes).ToArray();

        Assert.Equal(prefixes.Length, prefixes.Distinct().Count());
    }
}
