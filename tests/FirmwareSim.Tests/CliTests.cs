using System.Diagnostics;
using System.Text;
using PosAgent.TestSupport;

namespace FirmwareSim.Tests;

/// <summary>The firmware-sim program itself, run as a process the way a technician runs it.</summary>
public sealed class CliTests : IDisposable
{
    private readonly TempDirectory _dir = new("fs-cli-");

    private static Process Start(params string[] args)
    {
        var info = new ProcessStartInfo(Environment.GetEnvironmentVariable("DOTNET_HOST_PATH") ?? "dotnet")
        {
            RedirectStandardInput = true,
            RedirectStandardOutput = true,
            RedirectStandardError = true,
            UseShellExecute = false,
        };
        info.ArgumentList.Add(Path.Combine(AppContext.BaseDirectory, "firmware-sim.dll"));
        foreach (var arg in args)
        {
            info.ArgumentList.Add(arg);
        }

        return Process.Start(info)!;
    }

    private static async Task<List<string>> ReadUntilAsync(Process process, string marker)
    {
        var lines = new List<string>();
        while (true)
        {
            var line = await process.StandardOutput.ReadLineAsync().WithTimeout(TimeSpan.FromSeconds(30))
                ?? throw new InvalidOperationException($"firmware-sim exited: {string.Join('\n', lines)} {await process.StandardError.ReadToEndAsync()}");
            lines.Add(line);
            if (line.Contains(marker, StringComparison.Ordinal))
            {
                return lines;
            }
        }
    }

    /// <summary>Runs firmware-sim to its end (bounded) and returns the exit code, stdout and stderr.</summary>
    private static async Task<(int Code, string Out, string Error)> RunToExitAsync(params string[] args)
    {
        using var process = Start(args);
        var stdout = process.StandardOutput.ReadToEndAsync();
        var stderr = process.StandardError.ReadToEndAsync();
        await process.WaitForExitAsync().WithTimeout(TimeSpan.FromSeconds(30));
        return (process.ExitCode, await stdout, await stderr);
    }

    [Fact]
    public async Task Lane_TypedCodeIsScanned_TerminationRemovesLinks()
    {
        using var process = Start("lane", "--dir", _dir.Path, "--tcp-port", "0", "--control", _dir.File("control.sock"));
        try
        {
            var banner = await ReadUntilAsync(process, "Ctrl+C stops");
            Assert.Contains($"scanner: {_dir.File("scanner")} (/dev/pts/", string.Join('\n', banner));
            Assert.Contains($"printer: {_dir.File("printer")}", string.Join('\n', banner));
            Assert.Contains(banner, l => l.StartsWith("printer: tcp 127.0.0.1:", StringComparison.Ordinal));
            Assert.Contains($"control: unix:{_dir.File("control.sock")}", banner);
            using var scanner = new RawPort(_dir.File("scanner"), 9600);

            await process.StandardInput.WriteLineAsync("4006381333931");
            await process.StandardInput.FlushAsync();
            Assert.Equal("4006381333931\r", Encoding.ASCII.GetString(await scanner.ReadAsync(14)));
            await process.StandardInput.WriteLineAsync("cover open");
            await process.StandardInput.WriteLineAsync("status");
            await process.StandardInput.FlushAsync();
            await ReadUntilAsync(process, "printer status: cover open");

            // SIGTERM: a process started from a background job inherits SIGINT ignored, so Ctrl+C
            // cannot be simulated here; both signals take the same shutdown path.
            using (var kill = Process.Start("/bin/kill", ["-TERM", process.Id.ToString(System.Globalization.CultureInfo.InvariantCulture)]))
            {
                await kill.WaitForExitAsync().WithTimeout();
            }

            await process.WaitForExitAsync().WithTimeout(TimeSpan.FromSeconds(30));
            Assert.False(Path.Exists(_dir.File("scanner")));
            Assert.False(Path.Exists(_dir.File("printer")));
        }
        finally
        {
            if (!process.HasExited)
            {
                process.Kill();
            }
        }
    }

    [Fact]
    public async Task RunScenario_FailingExpect_ExitsOneNamingTheLine()
    {
        var file = _dir.File("store12.scenario");
        await File.WriteAllTextAsync(file, "# reproduce\nnear-end on\nexpect status near-end within 1s\nexpect status offline within 200ms\n");

        var (code, stdout, stderr) = await RunToExitAsync("run-scenario", file, "--dir", _dir.Path, "--no-tcp");

        Assert.Equal(1, code);
        Assert.Contains("scenario store12.scenario failed at line 4: printer status is 'paper near end', not Offline", stderr);
        Assert.Contains("[line 3] expect status NearEnd", stdout);
    }

    [Fact]
    public async Task RunScenario_InvalidFile_ExitsTwoListingTheErrors()
    {
        var file = _dir.File("bad.scenario");
        await File.WriteAllTextAsync(file, "scan\ncover ajar\n");

        var (code, _, stderr) = await RunToExitAsync("run-scenario", file, "--dir", _dir.Path, "--no-tcp");

        Assert.Equal(2, code);
        Assert.Contains("line 1: scan: missing a code", stderr);
        Assert.Contains("line 2: cover: expected open or closed", stderr);
    }

    [Fact]
    public async Task RunScenario_GoodFile_ExitsZero()
    {
        var file = _dir.File("good.scenario");
        await File.WriteAllTextAsync(file, "scan 4006381333931\ncover open\nexpect status cover-open within 2s\ncover closed\nexpect status ready\n");

        var (code, stdout, _) = await RunToExitAsync("run-scenario", file, "--dir", _dir.Path, "--no-tcp");

        Assert.Equal(0, code);
        Assert.Contains("scenario good.scenario: all 5 steps done", stdout);
    }

    [Fact]
    public async Task Printer_BadOption_ExitsTwoWithTheProblem()
    {
        var (code, _, stderr) = await RunToExitAsync("printer", "--printer-link", _dir.File("p"), "--printer-baud", "1234", "--no-tcp");

        Assert.Equal(2, code);
        Assert.Contains("Baud 1234 is not supported", stderr);
    }

    [Fact]
    public async Task Lane_WebConsole_OnLoopbackServesThePageAndTheState()
    {
        using var process = Start("lane", "--dir", _dir.Path, "--no-tcp", "--web", "0");
        try
        {
            var banner = await ReadUntilAsync(process, "Ctrl+C stops");
            var console = banner.Single(l => l.StartsWith("console: http://127.0.0.1:", StringComparison.Ordinal))["console: ".Length..];
            using var http = new HttpClient { BaseAddress = new Uri(console) };

            Assert.Contains("firmware-sim", await http.GetStringAsync("/").WithTimeout(), StringComparison.Ordinal);
            Assert.Contains(_dir.File("scanner"), await http.GetStringAsync("/api/state").WithTimeout(), StringComparison.Ordinal);
        }
        finally
        {
            process.Kill();
            await process.WaitForExitAsync().WithTimeout(TimeSpan.FromSeconds(30));
        }
    }

    [Theory]
    [InlineData("--web-bind", "0.0.0.0", "give --web-token")]
    [InlineData("--web-token", "a-token-of-twenty-chars", "need --web PORT")]
    public async Task Lane_WebConsoleBadOptions_ExitTwoWithTheProblem(string option, string value, string problem)
    {
        string[] args = option == "--web-bind"
            ? ["lane", "--dir", _dir.Path, "--no-tcp", "--web", "0", option, value]
            : ["lane", "--dir", _dir.Path, "--no-tcp", option, value];
        var (code, _, stderr) = await RunToExitAsync(args);

        Assert.Equal(2, code);
        Assert.Contains(problem, stderr, StringComparison.Ordinal);
        Assert.False(Path.Exists(_dir.File("scanner")));
    }

    public void Dispose() => _dir.Dispose();
}
