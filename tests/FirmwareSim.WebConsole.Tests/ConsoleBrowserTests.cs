using System.Net;
using System.Net.Sockets;
using Microsoft.Playwright;
using PosAgent.TestSupport;
using static Microsoft.Playwright.Assertions;

namespace FirmwareSim.WebConsole.Tests;

/// <summary>The console page on its own: what it shows of the devices, its actions, scenarios, assets and access.</summary>
[Collection(BrowserCollection.Name)]
public sealed class ConsoleBrowserTests(ChromiumFixture chromium)
{
    [Fact]
    public async Task Page_ShowsEachDevicesPathLineAndStatus_FromTheSimulatorAlone()
    {
        await using var lane = await ConsoleLane.StartAsync(chromium.Browser);
        await lane.OpenAsync();

        var scanner = lane.Page.GetByTestId("scanner");
        await Expect(scanner).ToContainTextAsync(lane.Lane.Scanner.LinkPath);
        await Expect(scanner).ToContainTextAsync(lane.Lane.Scanner.DevicePath!);
        await Expect(scanner).ToContainTextAsync("9600 8N1, suffix CR");
        await Expect(scanner.GetByTestId("online")).ToBeVisibleAsync();
        var printer = lane.Page.GetByTestId("printer");
        await Expect(printer).ToContainTextAsync(lane.Lane.Printer.LinkPath!);
        await Expect(printer).ToContainTextAsync("115200 8N1, 42 columns");
        await Expect(lane.Page).ToHaveTitleAsync("firmware-sim lane-7");

        // Every asset comes from the simulator itself: the terminal may be offline.
        Assert.All(lane.Requests, url => Assert.StartsWith(lane.Console.Address.ToString(), url, StringComparison.Ordinal));
    }

    [Fact]
    public async Task UnplugAndBaudButtons_ChangeTheDevices_AndThePageFollows()
    {
        await using var lane = await ConsoleLane.StartAsync(chromium.Browser);
        await lane.OpenAsync();
        var scanner = lane.Page.GetByTestId("scanner");

        await lane.Page.GetByTestId("scanner-unplug").ClickAsync();
        await Expect(scanner.GetByTestId("unplugged")).ToBeVisibleAsync();
        Assert.False(lane.Lane.Scanner.IsPlugged);
        Assert.False(File.Exists(lane.Lane.Scanner.LinkPath));
        await lane.Page.GetByTestId("scan-code").FillAsync("4006381333931");
        await lane.Page.GetByTestId("scan").ClickAsync();
        await Expect(lane.Page.GetByTestId("message")).ToContainTextAsync("unplugged");

        await lane.Page.GetByTestId("scanner-replug").ClickAsync();
        await Expect(scanner.GetByTestId("online")).ToBeVisibleAsync();
        Assert.True(File.Exists(lane.Lane.Scanner.LinkPath));

        await lane.Page.GetByTestId("scanner-baud").ClickAsync();
        await Expect(scanner.GetByTestId("baud-mismatch")).ToBeVisibleAsync();
        Assert.True(lane.Lane.Scanner.BaudMismatch);

        // A change made elsewhere (the prompt, the gRPC API) reaches the page too.
        lane.Lane.Printer.SetCoverOpen(true);
        await Expect(lane.Page.GetByTestId("printer-status").GetByTestId("cover-open")).ToBeVisibleAsync();
        lane.Lane.Printer.Unplug();
        await Expect(lane.Page.GetByTestId("printer-status").GetByTestId("unplugged")).ToBeVisibleAsync();
        await lane.ScreenshotAsync("console-faults");
    }

    [Fact]
    public async Task ScenarioFile_RunsFromThePage_StepsShownAsTheyHappen()
    {
        await using var lane = await ConsoleLane.StartAsync(chromium.Browser);
        await lane.OpenAsync();
        var file = lane.Directory.File("near-end.scenario");
        await File.WriteAllTextAsync(file, """
            # the roll is nearly done, then replaced
            near-end on
            expect status near-end within 10s
            near-end off
            expect status ready within 10s
            """);

        await lane.Page.GetByTestId("scenario-file").SetInputFilesAsync(file);
        await Expect(lane.Page.GetByTestId("scenario-text")).ToHaveValueAsync(new System.Text.RegularExpressions.Regex("near-end on"));
        await lane.Page.GetByTestId("scenario-run").ClickAsync();

        await Expect(lane.Page.GetByTestId("scenario-result")).ToHaveTextAsync("scenario near-end.scenario: all 4 steps done");
        var steps = lane.Page.GetByTestId("scenario-steps").Locator("li");
        await Expect(steps).ToHaveCountAsync(4);
        for (var i = 0; i < 4; i++)
        {
            await Expect(steps.Nth(i)).ToHaveClassAsync("done");
        }

        await Expect(steps.Nth(0)).ToHaveTextAsync("line 2: near-end on");
        await lane.ScreenshotAsync("console-scenario");
    }

    [Fact]
    public async Task Scenario_FailingExpect_MarksThatStepFailed()
    {
        await using var lane = await ConsoleLane.StartAsync(chromium.Browser);
        await lane.OpenAsync();
        await lane.Page.GetByTestId("scenario-text").FillAsync("cover open\nexpect status paper-out within 200ms\ncover closed\n");
        await lane.Page.GetByTestId("scenario-run").ClickAsync();

        await Expect(lane.Page.GetByTestId("scenario-result")).ToContainTextAsync("failed at line 2");
        var steps = lane.Page.GetByTestId("scenario-steps").Locator("li");
        await Expect(steps.Nth(0)).ToHaveClassAsync("done");
        await Expect(steps.Nth(1)).ToHaveClassAsync("failed");
        await Expect(steps.Nth(2)).ToHaveClassAsync("");
        Assert.True(lane.Lane.Printer.Status.CoverOpen);
    }

    [Fact]
    public async Task Scenario_WithABadLine_IsRefusedNamingTheLine()
    {
        await using var lane = await ConsoleLane.StartAsync(chromium.Browser);
        await lane.OpenAsync();
        await lane.Page.GetByTestId("scenario-text").FillAsync("near-end on\nfly to the moon\n");
        await lane.Page.GetByTestId("scenario-run").ClickAsync();
        await Expect(lane.Page.GetByTestId("scenario-result")).ToContainTextAsync("line 2");
        Assert.False(lane.Lane.Printer.Status.PaperNearEnd);
    }

    [Fact]
    public async Task Receipts_AppearLiveNewestFirst_WithTheirImages()
    {
        await using var lane = await ConsoleLane.StartAsync(chromium.Browser);
        await lane.OpenAsync();
        using var tcp = new TcpClient();
        await tcp.ConnectAsync(lane.Lane.Printer.TcpEndPoint!).WithTimeout();
        byte[] logo = [0x1D, 0x76, 0x30, 0x00, 0x02, 0x00, 0x08, 0x00, .. Enumerable.Repeat((byte)0xF0, 16)]; // GS v 0: 16x8 dots
        await tcp.GetStream().WriteAsync((byte[])[0x1B, 0x40, .. "LOGO BELOW"u8, 0x0A, .. logo, 0x1D, 0x56, 0x00, .. "SECOND"u8, 0x0A, 0x1D, 0x56, 0x01]);

        var receipts = lane.Page.GetByTestId("receipt");
        await Expect(receipts).ToHaveCountAsync(2);
        await Expect(receipts.First).ToHaveAttributeAsync("data-number", "2");
        await Expect(receipts.First.FrameLocator("iframe").Locator("body")).ToContainTextAsync("SECOND");
        var first = receipts.Nth(1).FrameLocator("iframe");
        await Expect(first.Locator("body")).ToContainTextAsync("LOGO BELOW");
        await Expect(first.Locator("img")).ToHaveAttributeAsync("alt", "raster image 16x8 dots");
        await Expect(first.Locator("img")).ToHaveJSPropertyAsync("naturalWidth", 16);
        await Expect(receipts.First).ToContainTextAsync("partial cut");
    }

    [Fact]
    public async Task Token_RequiredWhenSet_LinkWithTokenOpensThePage()
    {
        const string token = "correct-horse-battery-staple";
        await using var lane = await ConsoleLane.StartAsync(chromium.Browser, new WebConsoleOptions { Token = token });
        var denied = await lane.Page.GotoAsync(lane.Console.Address.ToString());
        Assert.Equal((int)HttpStatusCode.Unauthorized, denied!.Status);

        await lane.Page.GotoAsync(lane.Console.Address + "?token=" + token);
        await Expect(lane.Page.GetByTestId("connection")).ToHaveTextAsync("live");
        Assert.DoesNotContain(token, lane.Page.Url, StringComparison.Ordinal);
        await lane.Page.GetByTestId("fault-cover-open").ClickAsync();
        await Expect(lane.Page.GetByTestId("printer-status").GetByTestId("cover-open")).ToBeVisibleAsync();
    }

    [Fact]
    public async Task Requests_FromAnotherHostNameOrWithoutTheActionHeader_AreRefused()
    {
        await using var lane = await ConsoleLane.StartAsync(chromium.Browser);
        using var http = new HttpClient { BaseAddress = lane.Console.Address };

        using var rebound = new HttpRequestMessage(HttpMethod.Get, "api/state");
        rebound.Headers.Host = "attacker.example";
        Assert.Equal(HttpStatusCode.MisdirectedRequest, (await http.SendAsync(rebound).WithTimeout()).StatusCode);

        using var noHeader = new StringContent("""{"fault":"PRINTER_FAULT_PAPER_OUT","on":true}""");
        Assert.Equal(HttpStatusCode.Forbidden, (await http.PostAsync("api/control/SetPrinterFault", noHeader).WithTimeout()).StatusCode);
        Assert.False(lane.Lane.Printer.Status.PaperOut);

        using var bad = new HttpRequestMessage(HttpMethod.Post, "api/control/Scan") { Content = new StringContent("""{"code":"1","symbology":"nope"}""") };
        bad.Headers.Add("X-Firmware-Sim", "1");
        var reply = await http.SendAsync(bad).WithTimeout();
        Assert.Equal(HttpStatusCode.BadRequest, reply.StatusCode);
        using var error = System.Text.Json.JsonDocument.Parse(await reply.Content.ReadAsStringAsync());
        Assert.StartsWith("symbology: unknown 'nope'", error.RootElement.GetProperty("error").GetString(), StringComparison.Ordinal);
    }

    [Theory]
    [InlineData("0.0.0.0", null, "give --web-token")]
    [InlineData("0.0.0.0", "short", "at least 16 characters")]
    [InlineData("127.0.0.1", null, null)]
    [InlineData("192.0.2.1", "a-token-of-twenty-chars", null)]
    public void Options_OtherThanLoopback_NeedALongToken(string address, string? token, string? problem)
    {
        var options = new WebConsoleOptions { Address = IPAddress.Parse(address), Token = token };
        if (problem is null)
        {
            options.Validate();
        }
        else
        {
            Assert.Contains(problem, Assert.Throws<ArgumentException>(options.Validate).Message, StringComparison.Ordinal);
        }
    }
}
