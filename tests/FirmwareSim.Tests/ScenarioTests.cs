using System.Text;
using FirmwareSim.Scenarios;
using PosAgent.TestSupport;

namespace FirmwareSim.Tests;

public sealed class ScenarioTests : IDisposable
{
    private const string EveryCommand = """
        # store 12: paper ran out mid-receipt after a card scan
        scan 4006381333931
        scan "CARD 42" qr            # quoted data keeps its space
        partial 4006381333931 5 ean13
        garbage scanner 8
        raw printer 1b40
        near-end on
        paper-out after 120
        paper-out off
        cover open
        offline off
        drawer close
        unplug all
        replug printer
        slow printer 10
        slow scanner off
        stall all
        resume all
        wait 1.5s
        expect receipt 2 contains "TOTAL" within 5s
        expect receipt contains "Итого"
        expect status paper-out within 500ms
        receipts 3
        show 1
        status
        diag
        """;

    private readonly TempDirectory _dir = new("fs-scn-");

    [Fact]
    public void ParseScenario_EveryCommand_ParsesWithLineNumbers()
    {
        var commands = SimCommandParser.ParseScenario(EveryCommand);

        Assert.Equal(25, commands.Count);
        Assert.Equal(new ScanCommand("4006381333931", null) { Line = 2 }, commands[0]);
        Assert.Equal(new ScanCommand("CARD 42", Symbology.Qr) { Line = 3 }, commands[1]);
        Assert.Equal(new PartialScanCommand("4006381333931", 5, Symbology.Ean13) { Line = 4 }, commands[2]);
        Assert.Equal([0x1B, 0x40], Assert.IsType<RawBytesCommand>(commands[4]).Bytes);
        Assert.Equal(new PaperOutAfterCommand(120) { Line = 8 }, commands[6]);
        Assert.Equal(new SetFaultCommand(StatusCondition.CoverOpen, true) { Line = 10 }, commands[8]);
        Assert.Equal(new PlugCommand(DeviceTarget.All, false) { Line = 13 }, commands[11]);
        Assert.Equal(new LineCommand(DeviceTarget.Printer, 10, null) { Line = 15 }, commands[13]);
        Assert.Equal(new WaitCommand(TimeSpan.FromMilliseconds(1500)) { Line = 19 }, commands[17]);
        Assert.Equal(new ExpectReceiptCommand(2, "TOTAL", TimeSpan.FromSeconds(5)) { Line = 20 }, commands[18]);
        Assert.Equal(new ExpectReceiptCommand(null, "Итого", SimCommandParser.DefaultExpectTimeout) { Line = 21 }, commands[19]);
        Assert.Equal(new ExpectStatusCommand(StatusCondition.PaperOut, TimeSpan.FromMilliseconds(500)) { Line = 22 }, commands[20]);
    }

    [Fact]
    public void ParseScenario_BadLines_ReportsEveryOneWithItsLine()
    {
        var error = Assert.Throws<SimCommandException>(() => SimCommandParser.ParseScenario("""
            scan
            wait 5 parsecs
            cover ajar
            4006381333931
            expect receipt contains "open
            quit
            """));

        Assert.Contains("line 1: scan: missing a code", error.Message);
        Assert.Contains("line 2: wait: '5' is not a duration", error.Message);
        Assert.Contains("line 3: cover: expected open or closed, got 'ajar'", error.Message);
        Assert.Contains("line 4: unknown command '4006381333931'", error.Message);
        Assert.Contains("line 5: unterminated \"quote\"", error.Message);
        Assert.Contains("line 6: 'quit' is for the prompt", error.Message);
    }

    [Fact]
    public void Parse_BareCodeAtPrompt_IsAScan()
    {
        Assert.Equal(new ScanCommand("4006381333931", null), SimCommandParser.Parse("4006381333931"));
        Assert.Null(SimCommandParser.Parse("   # nothing"));
        Assert.Throws<SimCommandException>(() => SimCommandParser.Parse("two words"));
    }

    [Fact]
    public async Task RunScenario_ScansFaultsAndExpectations_AllHold()
    {
        await using var lane = await Lane.StartAsync(new LaneOptions { Directory = _dir.Path });
        using var scanner = new RawPort(lane.Scanner.LinkPath, 9600);
        using var printer = new RawPort(lane.Printer.LinkPath!, 9600);
        var output = new StringWriter();
        var runner = new SimCommandRunner(lane.Scanner, lane.Printer, output);
        var commands = SimCommandParser.ParseScenario("""
            scan 4006381333931
            near-end on
            expect status near-end within 2s
            expect receipt contains "SCENARIO" within 10s
            near-end off
            expect status ready
            """);

        var run = runner.RunScenarioAsync(commands);
        Assert.Equal("4006381333931\r", Encoding.ASCII.GetString(await scanner.ReadAsync(14)));
        printer.Write(Bytes.SampleReceipt("SCENARIO"));

        await run.WithTimeout();
        Assert.Contains("[line 4] expect receipt contains \"SCENARIO\"", output.ToString());
        Assert.Contains("receipt 1 contains \"SCENARIO\"", output.ToString());
    }

    [Fact]
    public async Task RunScenario_ExpectationNotMet_FailsNamingTheLine()
    {
        var time = TestClock.Create();
        await using var printer = SimulatedPrinter.Start(new PrinterOptions { LinkPath = _dir.File("printer") });
        var runner = new SimCommandRunner(null, printer, TextWriter.Null, time);

        var run = runner.RunScenarioAsync(SimCommandParser.ParseScenario("near-end on\nexpect status offline within 2s"));
        time.Advance(TimeSpan.FromSeconds(2));

        var error = await Assert.ThrowsAsync<ScenarioFailedException>(() => run.WithTimeout());
        Assert.StartsWith("line 2: printer status is 'paper near end', not Offline within 2 s", error.Message);
    }

    [Fact]
    public async Task RunScenario_Wait_FollowsTheTimeProvider()
    {
        var time = TestClock.Create();
        await using var printer = SimulatedPrinter.Start(new PrinterOptions { LinkPath = _dir.File("printer") });
        var runner = new SimCommandRunner(null, printer, TextWriter.Null, time);

        var run = runner.RunScenarioAsync(SimCommandParser.ParseScenario("wait 5s\ncover open"));
        time.Advance(TimeSpan.FromSeconds(4));
        Assert.False(printer.Status.CoverOpen);
        time.Advance(TimeSpan.FromSeconds(1));

        await run.WithTimeout();
        Assert.True(printer.Status.CoverOpen);
    }

    [Fact]
    public async Task RunScenario_ScannerCommandWithoutScanner_FailsClearly()
    {
        await using var printer = SimulatedPrinter.Start(new PrinterOptions { LinkPath = _dir.File("printer") });
        var runner = new SimCommandRunner(null, printer, TextWriter.Null);

        var error = await Assert.ThrowsAsync<ScenarioFailedException>(() => runner.RunScenarioAsync(SimCommandParser.ParseScenario("\n\nscan 1")));

        Assert.Equal("line 3: there is no scanner in this session (start a lane or a scanner)", error.Message);
    }

    public void Dispose() => _dir.Dispose();
}
