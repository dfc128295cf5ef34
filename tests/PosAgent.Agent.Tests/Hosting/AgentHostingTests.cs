using System.Net.Sockets;
using System.Text;
using System.Text.Json;
using PosAgent.Agent.Tests.Support;
using PosAgent.Contracts.PosAgent.V1;
using PosAgent.TestSupport;

namespace PosAgent.Agent.Tests.Hosting;

/// <summary>posagent-agent as a real process on the Generic Host: configuration sources, validation at start, SIGTERM, systemd.</summary>
public sealed class AgentHostingTests
{
    private static readonly string AgentDll = Path.Combine(AppContext.BaseDirectory, "posagent-agent.dll");

    [Fact]
    public async Task CheckConfig_FileEnvironmentAndFlags_CommandLineOverridesEnvironmentOverridesFileAndEachSourceIsNamed()
    {
        using var dir = new TempDirectory("pa-cfg-");
        var file = dir.File("agent.json");
        await File.WriteAllTextAsync(file, JsonSerializer.Serialize(new
        {
            terminalId = "from-file",
            storeId = "store-from-file",
            dataDirectory = dir.File("data"),
            sync = new { batchSize = 100 },
        }));
        var environment = new Dictionary<string, string>
        {
            ["POSAGENT_TerminalId"] = "from-env",
            ["POSAGENT_Sync__BatchSize"] = "200",
        };

        var run = await ForeignProcess.RunAsync("dotnet", [AgentDll, "check-config", "--config", file, "--terminal-id", "from-flag", "--Sync:MaxBatchesInFlight=3"], environment);

        Assert.True(run.ExitCode == 0, run.Error + run.Output);
        Assert.Contains("\"TerminalId\": \"from-flag\"", run.Output, StringComparison.Ordinal);
        Assert.Contains("\"StoreId\": \"store-from-file\"", run.Output, StringComparison.Ordinal);
        Assert.Contains("\"BatchSize\": 200", run.Output, StringComparison.Ordinal);
        Assert.Contains("\"MaxBatchesInFlight\": 3", run.Output, StringComparison.Ordinal);
        Assert.Contains("  TerminalId = from-flag  <- command line", run.Output, StringComparison.Ordinal);
        Assert.Contains($"  storeId = store-from-file  <- file {file}", run.Output, StringComparison.Ordinal);
        Assert.Contains("  Sync:BatchSize = 200  <- environment variable POSAGENT_Sync__BatchSize", run.Output, StringComparison.Ordinal);
        Assert.Contains("  Sync:MaxBatchesInFlight = 3  <- command line", run.Output, StringComparison.Ordinal);
    }

    [Fact]
    public async Task CheckConfig_TokenFromTheOlderEnvironmentVariable_MaskedAndAttributedToIt()
    {
        using var dir = new TempDirectory("pa-cfg-");
        const string token = "env-terminal-token-abcdefghijklmn";

        var run = await ForeignProcess.RunAsync("dotnet", [AgentDll, "check-config", "--data-dir", dir.Path], new Dictionary<string, string> { ["POSAGENT_CENTRAL_TOKEN"] = token });

        Assert.True(run.ExitCode == 0, run.Error + run.Output);
        Assert.DoesNotContain("env-terminal-token", run.Output + run.Error, StringComparison.Ordinal);
        Assert.Contains($"\"CentralToken\": \"(set, {token.Length} characters)\"", run.Output, StringComparison.Ordinal);
        Assert.Contains($"  CentralToken = (set, {token.Length} characters)  <- environment variable POSAGENT_CENTRAL_TOKEN", run.Output, StringComparison.Ordinal);
        Assert.Contains($"  DataDirectory = {dir.Path}  <- command line", run.Output, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Run_SettingOutOfRange_RefusedAtStartWithExitCodeTwoNamingSettingValueAndRange()
    {
        using var dir = new TempDirectory("pa-cfg-");

        var run = await ForeignProcess.RunAsync("dotnet", [AgentDll, "run", "--data-dir", dir.File("data"), "--Sync:BatchSize=0", "--tcp-port", "70000"], new Dictionary<string, string> { ["POSAGENT_MaxOpenChecks"] = "0" });

        Assert.Equal(2, run.ExitCode);
        Assert.Contains("Invalid agent configuration:", run.Error, StringComparison.Ordinal);
        Assert.Contains("sync.batchSize: 0 must be 1..500", run.Error, StringComparison.Ordinal);
        Assert.Contains("tcpPort: 70000 is not a port number (0..65535)", run.Error, StringComparison.Ordinal);
        Assert.Contains("maxOpenChecks: 0 must be 1..100000", run.Error, StringComparison.Ordinal);
        Assert.DoesNotContain("   at ", run.Error, StringComparison.Ordinal);
        Assert.False(File.Exists(dir.File("data/agent.db")), "an invalid configuration must be refused before the database is created");
    }

    [Fact]
    public async Task Run_ValueOfTheWrongType_ExitCodeTwoNamingTheSetting()
    {
        using var dir = new TempDirectory("pa-cfg-");

        var run = await ForeignProcess.RunAsync("dotnet", [AgentDll, "run", "--data-dir", dir.File("data")], new Dictionary<string, string> { ["POSAGENT_Sync__PollInterval"] = "soon" });

        Assert.Equal(2, run.ExitCode);
        Assert.Contains("Sync:PollInterval", run.Error, StringComparison.Ordinal);
        Assert.DoesNotContain("   at ", run.Error, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Run_SigtermAfterASale_ExitsZeroWithinTheBoundAndTheSaleIsInTheOutboxAfterRestart()
    {
        using var dir = new TempDirectory("pa-life-");
        long rowsBefore;
        await using (var agent = await AgentProcess.StartAsync(dir.Path, "terminal-stop", central: null, token: null, shutdownTimeout: "00:00:05"))
        {
            var check = await agent.Client.OpenCheckAsync(new OpenCheckRequest()).WithTimeout();
            // A carded sale: its loyalty operation waits in the outbox for the central service.
            await agent.Client.AttachCardAsync(new AttachCardRequest { CheckId = check.CheckId, CardNumber = TestCards.Csm(4243) }).WithTimeout();
            check = await agent.Client.AddLineAsync(new AddLineRequest { CheckId = check.CheckId, Name = "Consultation", Category = "medical", UnitPriceMinor = 120_000, Quantity = 1 }).WithTimeout();
            await agent.Client.CommitAsync(new CommitRequest { CheckId = check.CheckId, Payment = new PaymentSplit { CashMinor = check.TotalMinor } }).WithTimeout();
            rowsBefore = await OutboxRowsAsync(dir.Path);
            var started = System.Diagnostics.Stopwatch.StartNew();

            var exitCode = await agent.TerminateAsync(TimeSpan.FromSeconds(20));

            Assert.Equal(0, exitCode);
            // The bound is the configured shutdownTimeout (5 s) plus the process's own exit, far below systemd's TimeoutStopSec.
            Assert.True(started.Elapsed < TimeSpan.FromSeconds(15), $"the agent took {started.Elapsed} to stop");
        }

        Assert.Equal(1, rowsBefore);
        // What the next start finds on disk: the sale's operation.
        Assert.Equal(1, await OutboxRowsAsync(dir.Path));

        await using var restarted = await AgentProcess.StartAsync(dir.Path, "terminal-stop", central: null, token: null);
        Assert.Equal(0, await restarted.TerminateAsync(TimeSpan.FromSeconds(20)));
    }

    [Fact]
    public async Task Run_NotifySocketGiven_SendsReadyWatchdogAndStoppingToThatSocket()
    {
        using var dir = new TempDirectory("pa-sd-");
        var socketPath = dir.File("notify.sock");
        using var socket = new Socket(AddressFamily.Unix, SocketType.Dgram, ProtocolType.Unspecified);
        socket.Bind(new UnixDomainSocketEndPoint(socketPath));
        var received = new List<string>();
        var environment = new Dictionary<string, string>
        {
            ["NOTIFY_SOCKET"] = socketPath,
            // WatchdogSec=1: the agent must send WATCHDOG=1 at least every 0.5 s.
            ["WATCHDOG_USEC"] = "1000000",
        };

        await using var agent = await AgentProcess.StartAsync(dir.File("data"), "terminal-sd", central: null, token: null, logLevel: null, environment: environment);
        await ReceiveUntilAsync(socket, received, "READY=1");
        await ReceiveUntilAsync(socket, received, "WATCHDOG=1");
        Assert.Equal(0, await agent.TerminateAsync(TimeSpan.FromSeconds(20)));
        await ReceiveUntilAsync(socket, received, "STOPPING=1");

        Assert.True(received.IndexOf("READY=1") < received.IndexOf("STOPPING=1"), string.Join(", ", received));
        // Under systemd the log lines carry a syslog priority journald stores (journalctl -p warning).
        Assert.Contains(agent.Output, line => line.StartsWith("<6>PosAgent.Agent", StringComparison.Ordinal));
    }

    private static async Task<long> OutboxRowsAsync(string dataDirectory)
    {
        var count = await ForeignProcess.RunAsync("sqlite3", [Path.Combine(dataDirectory, "agent.db"), "SELECT count(*) FROM outbox"]);
        Assert.True(count.ExitCode == 0, count.Error);
        return long.Parse(count.Output.Trim(), System.Globalization.CultureInfo.InvariantCulture);
    }

    private static async Task ReceiveUntilAsync(Socket socket, List<string> received, string expected)
    {
        var buffer = new byte[4096];
        using var timeout = new CancellationTokenSource(TimeSpan.FromSeconds(30));
        while (!received.Contains(expected))
        {
            var count = await socket.ReceiveAsync(buffer, SocketFlags.None, timeout.Token);
            received.AddRange(Encoding.UTF8.GetString(buffer, 0, count).Split('\n', StringSplitOptions.RemoveEmptyEntries));
        }
    }
}
