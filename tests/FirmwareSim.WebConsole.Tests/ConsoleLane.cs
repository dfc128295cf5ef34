using Microsoft.Playwright;
using PosAgent.Agent;
using PosAgent.TestSupport;

namespace FirmwareSim.WebConsole.Tests;

/// <summary>
/// A lane (scanner on a pty at 9600 baud, printer on a pty at 115200 baud and a free TCP port, 42 columns) in a test
/// folder of its own, its web console on a free loopback port, and a browser page on it.
/// </summary>
internal sealed class ConsoleLane : IAsyncDisposable
{
    public static readonly TimeSpan Patience = TimeSpan.FromSeconds(60);

    private readonly List<string> _requests = [];

    private ConsoleLane(TempDirectory directory, Lane lane, WebConsoleServer console, IBrowserContext context, IPage page)
    {
        Directory = directory;
        Lane = lane;
        Console = console;
        Context = context;
        Page = page;
        page.Request += (_, request) =>
        {
            lock (_requests)
            {
                _requests.Add(request.Url);
            }
        };
    }

    public TempDirectory Directory { get; }

    public Lane Lane { get; }

    public WebConsoleServer Console { get; }

    public IBrowserContext Context { get; }

    public IPage Page { get; }

    /// <summary>Every address the page requested so far.</summary>
    public IReadOnlyList<string> Requests
    {
        get
        {
            lock (_requests)
            {
                return [.. _requests];
            }
        }
    }

    public static async Task<ConsoleLane> StartAsync(IBrowser browser, WebConsoleOptions? options = null)
    {
        var directory = new TempDirectory();
        var lane = await Lane.StartAsync(new LaneOptions
        {
            Directory = directory.Path,
            Scanner = new ScannerOptions { Baud = 9600, DefaultSymbology = Symbology.Code128 },
            Printer = new PrinterOptions { Baud = 115200, CharsPerLine = 42, TcpPort = 0 },
        });
        var console = await WebConsoleServer.StartAsync(options ?? new WebConsoleOptions { LaneName = "lane-7" }, lane.Scanner, lane.Printer).WithTimeout();
        var context = await browser.NewContextAsync(new BrowserNewContextOptions
        {
            ViewportSize = new ViewportSize { Width = 1400, Height = 1000 },
            AcceptDownloads = true,
        });
        context.SetDefaultTimeout((float)Patience.TotalMilliseconds);
        var page = await context.NewPageAsync();
        return new ConsoleLane(directory, lane, console, context, page);
    }

    /// <summary>Opens the console and waits until its event stream is live.</summary>
    public async Task OpenAsync()
    {
        await Page.GotoAsync(Console.Address.ToString());
        await Assertions.Expect(Page.GetByTestId("connection")).ToHaveTextAsync("live", new() { Timeout = (float)Patience.TotalMilliseconds });
    }

    /// <summary>A real agent (no central service) on this lane's scanner and printer, its data in the test folder.</summary>
    public async Task<AgentHost> StartAgentAsync(Action<AgentOptions>? configure = null)
    {
        var options = new AgentOptions
        {
            DataDirectory = Directory.File("agent"),
            ProgramsDirectory = Repo.ProgramsDirectory,
        };
        options.Devices.ScannerPath = Lane.Scanner.LinkPath;
        options.Devices.PrinterPath = Lane.Printer.LinkPath;
        options.Devices.PrinterBaud = 115200;
        configure?.Invoke(options);
        return await AgentHost.StartAsync(options).WithTimeout(Patience);
    }

    /// <summary>A screenshot of the whole page, kept with the test output (screenshots/NAME.png).</summary>
    public async Task<string> ScreenshotAsync(string name)
    {
        var path = Path.Combine(AppContext.BaseDirectory, "screenshots", name + ".png");
        System.IO.Directory.CreateDirectory(Path.GetDirectoryName(path)!);
        await Page.ScreenshotAsync(new PageScreenshotOptions { Path = path, FullPage = true });
        return path;
    }

    public async ValueTask DisposeAsync()
    {
        await Context.DisposeAsync();
        await Console.DisposeAsync();
        await Lane.DisposeAsync();
        Directory.Dispose();
    }
}

/// <summary>Paths in the repository.</summary>
internal static class Repo
{
    public static string Root { get; } = FindRoot();

    public static string ProgramsDirectory => Path.Combine(Root, "programs");

    private static string FindRoot()
    {
        var dir = new DirectoryInfo(AppContext.BaseDirectory);
        while (dir is not null && !File.Exists(Path.Combine(dir.FullName, "PosAgent.sln")))
        {
            dir = dir.Parent;
        }

        return dir?.FullName ?? throw new InvalidOperationException("PosAgent.sln not found above " + AppContext.BaseDirectory);
    }
}
