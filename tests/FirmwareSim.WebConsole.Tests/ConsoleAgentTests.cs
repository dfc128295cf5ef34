using System.Text;
using Microsoft.Playwright;
using PosAgent.Agent;
using PosAgent.Contracts.PosAgent.V1;
using PosAgent.TestSupport;
using static Microsoft.Playwright.Assertions;

namespace FirmwareSim.WebConsole.Tests;

/// <summary>The console's buttons drive the devices a real agent has open: what the agent sees is the check.</summary>
[Collection(BrowserCollection.Name)]
public sealed class ConsoleAgentTests(ChromiumFixture chromium)
{
    [Fact]
    public async Task DemoCardAndRawBytes_ReachTheAgentsEventStream()
    {
        await using var lane = await ConsoleLane.StartAsync(chromium.Browser);
        await using var agent = await lane.StartAgentAsync();
        using var client = LocalApiClient.ForUnixSocket(agent.SocketPath!);
        await lane.OpenAsync();
        await using var events = new AgentEvents(client, EventKind.Scan);

        var card = await events.UntilAsync(
            () => lane.Page.GetByTestId("demo-csm-1-card").ClickAsync(),
            e => e.Scan?.Data == DemoCodes.CsmCard);
        Assert.True(card.Scan.IsCard);
        await Expect(lane.Page.GetByTestId("message")).ToContainTextAsync("scanned " + DemoCodes.CsmCard);

        var badCode = DemoCodes.All.Single(d => d.Label == "CSM card, wrong check digit").Code;
        var bad = await events.UntilAsync(
            () => lane.Page.GetByTestId("demo-csm-card-wrong-check-digit").ClickAsync(),
            e => e.Scan?.Data == badCode);
        Assert.False(bad.Scan.IsCard);

        // Raw bytes from the scanner are what a scan of the product would have sent.
        await lane.Page.GetByTestId("raw-device").SelectOptionAsync("DEVICE_SCANNER");
        await lane.Page.GetByTestId("raw-hex").FillAsync(Convert.ToHexString(Encoding.ASCII.GetBytes("4006381333931\r")));
        var raw = await events.UntilAsync(() => lane.Page.GetByTestId("raw-send").ClickAsync(), e => e.Scan?.Data == "4006381333931");
        Assert.False(raw.Scan.IsCard);
        await lane.ScreenshotAsync("console-scans");
    }

    [Fact]
    public async Task PaperOutButton_ShowsInTheAgentsStatus_LoadPaperClearsIt()
    {
        await using var lane = await ConsoleLane.StartAsync(chromium.Browser);
        await using var agent = await lane.StartAgentAsync();
        using var client = LocalApiClient.ForUnixSocket(agent.SocketPath!);
        await lane.OpenAsync();
        await using var events = new AgentEvents(client, EventKind.DeviceStatus);
        await events.UntilStatusAsync(client, s => Printer(s).State == DeviceState.Connected);

        await lane.Page.GetByTestId("fault-paper-out").ClickAsync();
        await Expect(lane.Page.GetByTestId("printer-status").GetByTestId("paper-out")).ToBeVisibleAsync();
        await Expect(lane.Page.GetByTestId("fault-paper-out")).ToHaveAttributeAsync("aria-pressed", "true");
        Assert.True(lane.Lane.Printer.Status.PaperOut);
        var status = await events.UntilStatusAsync(client, s => Printer(s).State == DeviceState.NotReady);
        Assert.Contains("paper", Printer(status).Detail, StringComparison.OrdinalIgnoreCase);
        await lane.ScreenshotAsync("console-paper-out");

        await lane.Page.GetByTestId("load-paper").ClickAsync();
        await Expect(lane.Page.GetByTestId("printer-status").GetByTestId("online")).ToBeVisibleAsync();
        await events.UntilStatusAsync(client, s => Printer(s).State == DeviceState.Connected);
        Assert.False(lane.Lane.Printer.Status.PaperOut);
    }

    [Fact]
    public async Task ReceiptTheAgentPrints_AppearsOnThePage_WithItsRawBytesAndText()
    {
        await using var lane = await ConsoleLane.StartAsync(chromium.Browser);
        await using var agent = await lane.StartAgentAsync();
        using var client = LocalApiClient.ForUnixSocket(agent.SocketPath!);
        await lane.OpenAsync();

        var check = await client.OpenCheckAsync(new OpenCheckRequest()).WithTimeout();
        await client.AddLineAsync(new AddLineRequest { CheckId = check.CheckId, Name = "Consultation", Category = "medical", UnitPriceMinor = 100_000, Quantity = 1 }).WithTimeout();
        await client.CommitAsync(new CommitRequest { CheckId = check.CheckId, Payment = new PaymentSplit { CashMinor = 100_000 }, PrintReceipt = true }).WithTimeout();
        var printed = await lane.Lane.Printer.WaitForReceiptAsync(1).WithTimeout(ConsoleLane.Patience);

        var receipt = lane.Page.Locator("[data-testid=receipt][data-number='1']");
        await Expect(receipt).ToBeVisibleAsync();
        await Expect(receipt.FrameLocator("iframe").Locator("body")).ToContainTextAsync("Consultation");

        var bin = await DownloadAsync(lane.Page, receipt.GetByTestId("download-bin"));
        Assert.Equal(printed.RawBytes.ToArray(), bin);
        Assert.True(bin.AsSpan().IndexOf("Consultation"u8) >= 0, "the raw bytes carry the line's name");
        Assert.True(bin.AsSpan().LastIndexOf((byte)0x1D) >= 0 && bin.AsSpan().IndexOf([(byte)0x1D, (byte)0x56]) >= 0, "the raw bytes end with the cut (GS V)");
        var txt = await DownloadAsync(lane.Page, receipt.GetByTestId("download-txt"));
        Assert.Equal(printed.Text, Encoding.UTF8.GetString(txt));
        await lane.ScreenshotAsync("console-receipt");
    }

    private static DeviceStatus Printer(StatusResponse status) => status.Devices.Single(d => d.Kind == DeviceKind.Printer);

    private static async Task<byte[]> DownloadAsync(IPage page, ILocator link)
    {
        var download = await page.RunAndWaitForDownloadAsync(() => link.ClickAsync());
        return await File.ReadAllBytesAsync(await download.PathAsync());
    }
}
