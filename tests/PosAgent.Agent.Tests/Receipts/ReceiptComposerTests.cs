using PosAgent.Agent.Internal.Receipts;
using PosAgent.Contracts.PosAgent.V1;

namespace PosAgent.Agent.Tests.Receipts;

/// <summary>Receipt layout per language: every label present, the check id whole, cards masked, currency decimals.</summary>
public sealed class ReceiptComposerTests
{
    private static readonly DateTimeOffset PrintedAt = new(2026, 12, 5, 10, 30, 0, TimeSpan.Zero);
    private const string CheckId = "chk-0193a2b4-7c1d-7e2f-9a3b-4c5d6e7f8091";

    [Theory]
    [InlineData("en", "Points spent")]
    [InlineData("ru", "Списано баллов")]
    [InlineData("kk", "Жұмсалған бонустар")]
    [InlineData("fa", "امتیاز مصرف‌شده")]
    public void Sale_EveryLanguage_CheckIdWholeCardMaskedLabelsTranslated(string code, string spentLabel)
    {
        var text = Sale(code, 100).ToText(42);

        Assert.Contains(CheckId, text, StringComparison.Ordinal);
        Assert.Contains("****0002", text, StringComparison.Ordinal);
        Assert.DoesNotContain("7789000000000002", text, StringComparison.Ordinal);
        Assert.Contains(spentLabel, text, StringComparison.Ordinal);
        Assert.All(text.Split('\n'), line => Assert.True(line.Length <= 42, $"'{line}' is wider than 42"));
    }

    [Fact]
    public void Sale_IrrProgram_PrintsNoMinorUnits()
    {
        var text = Sale("fa", 1).ToText(48);

        Assert.Contains("1٬250٬000", text, StringComparison.Ordinal);
        Assert.DoesNotContain("1٬250٬000٫00", text, StringComparison.Ordinal);
    }

    [Theory]
    [InlineData("IRR", "fa")]
    [InlineData("KZT", "ru")]
    [InlineData("RUB", "ru")]
    [InlineData("BYN", "ru")]
    [InlineData("EUR", "en")]
    public void DefaultFor_Currency_IsTheProgramCountrysLanguage(string currency, string language) =>
        Assert.Equal(language, ReceiptLanguage.DefaultFor(currency));

    private static ReceiptLayout Sale(string language, long minorPerUnit)
    {
        var check = new Check { CheckId = CheckId, Currency = "X", TotalMinor = 1_250_000 };
        var loyalty = new ReceiptLoyalty(PosAgent.Agent.Internal.Masking.Card("7789000000000002"), "Gold", 12, 100, 4927, Pending: true);
        return ReceiptComposer.Sale(ReceiptLanguage.Get(language), new StoreHeader("Store", "Street 1", "123"), minorPerUnit, check, new PaymentSplit { CashMinor = 1_250_000 }, loyalty, copy: false, PrintedAt);
    }
}
