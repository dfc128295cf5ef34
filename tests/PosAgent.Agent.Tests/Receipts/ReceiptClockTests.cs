using System.Globalization;
using Microsoft.Extensions.Time.Testing;
using PosAgent.Agent.Internal.Receipts;
using PosAgent.Agent.Tests.Support;
using PosAgent.Contracts.PosAgent.V1;
using PosAgent.TestSupport;

namespace PosAgent.Agent.Tests.Receipts;

/// <summary>
/// Receipt dates in the store's local time (devices.storeTimeZone, else the machine's zone), in the
/// language's format and calendar, with the offset in force: across Tehran's last daylight-saving
/// changes (2022), the standard-offset moves of Moscow (2014) and Almaty (2024), and in zones that
/// no longer change (Moscow, Almaty, Tehran now) on the days Europe changes its clocks.
/// </summary>
public sealed class ReceiptClockTests
{
    [Theory]
    // Tehran, 21 Sep 2022: 24:00 +04:30 became 23:00 +03:30, so 23:30 happened twice; the offset tells them apart.
    [InlineData("2022-09-21T19:00:00Z", "2022-09-21 23:30:00 +04:30", "2022-09-21 23:30:00 +03:30")]
    // Tehran, 22 Mar 2022: 00:00 +03:30 became 01:00 +04:30: an hour later on paper is two on the wall clock.
    [InlineData("2022-03-21T20:00:00Z", "2022-03-21 23:30:00 +03:30", "2022-03-22 01:30:00 +04:30")]
    public void Now_TehranAcrossDaylightSaving_StoreWallClockWithOffset(string utc, string before, string hourLater)
    {
        var time = new FakeTimeProvider(DateTimeOffset.Parse(utc, CultureInfo.InvariantCulture));
        var clock = ReceiptClock.For(time, "Asia/Tehran");
        var en = ReceiptLanguage.Get("en");

        Assert.Equal(before, en.Timestamp(clock.Now()));
        time.Advance(TimeSpan.FromHours(1));
        Assert.Equal(hourLater, en.Timestamp(clock.Now()));
    }

    [Theory]
    // Moscow left +04 for +03 on 26 Oct 2014; Almaty left +06 for +05 on 1 Mar 2024 (neither is daylight saving).
    [InlineData("Europe/Moscow", "ru", "2014-10-25T21:30:00Z", "26.10.2014 01:30:00 +04:00", "26.10.2014 01:30:00 +03:00")]
    [InlineData("Asia/Almaty", "kk", "2024-02-29T17:30:00Z", "29.02.2024 23:30:00 +06:00", "29.02.2024 23:30:00 +05:00")]
    public void Now_ZoneChangedItsStandardOffset_TheOffsetOfTheDay(string zone, string language, string utc, string before, string hourLater)
    {
        var time = new FakeTimeProvider(DateTimeOffset.Parse(utc, CultureInfo.InvariantCulture));
        var clock = ReceiptClock.For(time, zone);

        Assert.Equal(before, ReceiptLanguage.Get(language).Timestamp(clock.Now()));
        time.Advance(TimeSpan.FromHours(1));
        Assert.Equal(hourLater, ReceiptLanguage.Get(language).Timestamp(clock.Now()));
    }

    [Theory]
    // 29 Mar and 25 Oct 2026 are Europe's clock changes; these zones keep one offset all year.
    [InlineData("Europe/Moscow", "ru", "+03:00")]
    [InlineData("Asia/Almaty", "kk", "+05:00")]
    [InlineData("Asia/Tehran", "en", "+03:30")]
    public void Now_ZoneWithoutDaylightSaving_SameOffsetThroughTheYear(string zone, string language, string offset)
    {
        var time = new FakeTimeProvider(new DateTimeOffset(2026, 3, 28, 22, 0, 0, TimeSpan.Zero));
        var clock = ReceiptClock.For(time, zone);
        var lang = ReceiptLanguage.Get(language);
        var printed = new List<string>();

        foreach (var step in new[] { TimeSpan.Zero, TimeSpan.FromHours(3), TimeSpan.FromDays(210) })
        {
            time.Advance(step);
            var local = clock.Now();
            Assert.Equal(TimeSpan.Parse(offset.TrimStart('+'), CultureInfo.InvariantCulture), local.Offset);
            Assert.Equal(time.GetUtcNow().UtcDateTime + local.Offset, local.DateTime);
            printed.Add(lang.Timestamp(local));
        }

        Assert.All(printed, p => Assert.EndsWith(" " + offset, p, StringComparison.Ordinal));
        Assert.Equal(3, printed.Distinct().Count());
    }

    [Fact]
    public void Timestamp_Persian_SolarHijriDateInTehranTime()
    {
        // 2026-03-21 20:45 UTC is 22 Mar 00:15 in Tehran: the local day, not the UTC one, is printed.
        var time = new FakeTimeProvider(new DateTimeOffset(2026, 3, 21, 20, 45, 0, TimeSpan.Zero));
        var local = ReceiptClock.For(time, "Asia/Tehran").Now();
        var calendar = new PersianCalendar();
        var day = new DateTime(2026, 3, 22, 0, 15, 0, DateTimeKind.Unspecified);

        var printed = ReceiptLanguage.Get("fa").Timestamp(local);

        Assert.Equal(FormattableString.Invariant($"{calendar.GetYear(day):0000}/{calendar.GetMonth(day):00}/{calendar.GetDayOfMonth(day):00} 00:15:00 +03:30"), printed);
        Assert.StartsWith("1405/01/02", printed, StringComparison.Ordinal);
    }

    [Fact]
    public void For_NoZoneConfigured_TheMachinesZone()
    {
        var time = new FakeTimeProvider(new DateTimeOffset(2026, 12, 5, 18, 0, 0, TimeSpan.Zero));
        time.SetLocalTimeZone(TimeZoneInfo.FindSystemTimeZoneById("Asia/Almaty"));

        var clock = ReceiptClock.For(time, zoneId: null);

        Assert.Equal("Asia/Almaty", clock.Zone.Id);
        Assert.Equal("05.12.2026 23:00:00 +05:00", ReceiptLanguage.Get("ru").Timestamp(clock.Now()));
    }

    [Theory]
    [InlineData("Mars/Olympus_Mons")]
    [InlineData(" ")]
    public void Validate_UnknownStoreTimeZone_NamedInTheProblem(string zone)
    {
        var options = new AgentOptions { DataDirectory = "/tmp/x" };
        options.Devices.StoreTimeZone = zone;

        var error = Assert.Throws<ArgumentException>(options.Validate);

        Assert.Contains($"devices.storeTimeZone: '{zone}'", error.Message, StringComparison.Ordinal);
    }

    [Fact]
    public async Task PrintReceipt_TehranStoreAcrossDaylightSavingEnd_ReceiptAndCopyInStoreTimeWithOffsets()
    {
        using var dir = new TempDirectory();
        var time = new FakeTimeProvider(new DateTimeOffset(2022, 9, 21, 19, 0, 0, TimeSpan.Zero));
        await using var agent = await TestAgent.StartAsync(dir, o =>
        {
            o.Devices.StoreTimeZone = "Asia/Tehran";
            o.Devices.ReceiptLanguage = "en";
        }, time: time);
        var check = await agent.Client.OpenCheckAsync(new OpenCheckRequest()).WithTimeout();
        await agent.Client.AddLineAsync(new AddLineRequest { CheckId = check.CheckId, Name = "Consultation", Category = "medical", UnitPriceMinor = 100_000, Quantity = 1 }).WithTimeout();

        var sale = await agent.Client.CommitAsync(new CommitRequest { CheckId = check.CheckId, Payment = new PaymentSplit { CashMinor = 100_000 }, PrintReceipt = true }).WithTimeout();
        time.Advance(TimeSpan.FromHours(1));
        var copy = await agent.Client.PrintReceiptAsync(new PrintReceiptRequest { CheckId = check.CheckId, Reprint = true }).WithTimeout();

        var receipt = await File.ReadAllTextAsync(Path.Combine(agent.Host.Options.DataDirectory, "receipts", sale.PrintJobId + ".txt"));
        Assert.Matches(@"Date\s+2022-09-21 23:30:00 \+04:30", receipt);
        Assert.Matches(@"Date\s+2022-09-21 23:30:00 \+03:30", copy.Text);
        Assert.DoesNotContain("UTC", receipt, StringComparison.Ordinal);
    }
}
