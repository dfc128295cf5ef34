namespace PosAgent.Agent;

/// <summary>
/// Configuration of one agent (one per checkout terminal). Every property has a documented
/// default; <see cref="Validate"/> reports every problem at once. The JSON config file of
/// <c>posagent-agent run --config</c> uses the same names (camelCase or PascalCase).
/// </summary>
public sealed class AgentOptions
{
    /// <summary>This terminal's id, as registered with the central service. Default "terminal-1".</summary>
    public string TerminalId { get; set; } = AgentDefaults.TerminalId;

    /// <summary>The store the terminal belongs to (informative; the central service binds it to the token). Default "store-1".</summary>
    public string StoreId { get; set; } = AgentDefaults.StoreId;

    /// <summary>Folder for the SQLite database (outbox, caches, print queue) and, by default, the socket. Default "./posagent-data".</summary>
    public string DataDirectory { get; set; } = AgentDefaults.DataDirectory;

    /// <summary>
    /// Unix domain socket of the local API. Default: "agent.sock" in <see cref="DataDirectory"/>.
    /// Empty string: no socket (then <see cref="TcpPort"/> must be set).
    /// </summary>
    public string? SocketPath { get; set; }

    /// <summary>File mode of the socket (octal string); who may call the API is decided by it. Default "660".</summary>
    public string SocketMode { get; set; } = AgentDefaults.SocketMode;

    /// <summary>
    /// Lets the agent's group read (never write) the data folder and the databases created from now
    /// on: folder 0750, files 0640, for a backup or reporting tool run in the POS group. Default
    /// false: folder 0710 (the group reaches the socket by name only), files 0600.
    /// </summary>
    public bool DataGroupReadable { get; set; }

    /// <summary>Optional TCP port of the local API (0: pick a free port). Default null: no TCP listener.</summary>
    public int? TcpPort { get; set; }

    /// <summary>Address of the TCP listener. Default "127.0.0.1"; anything but loopback also needs <see cref="AllowNonLoopback"/>.</summary>
    public string TcpAddress { get; set; } = AgentDefaults.TcpAddress;

    /// <summary>Allows <see cref="TcpAddress"/> to be a non-loopback interface. Default false.</summary>
    public bool AllowNonLoopback { get; set; }

    /// <summary>Address of the central service, e.g. "https://central.example:7443" or "http://127.0.0.1:7080". Default null: offline only.</summary>
    public string? CentralAddress { get; set; }

    /// <summary>This terminal's bearer token for the central service. Default null (none sent).</summary>
    public string? CentralToken { get; set; }

    /// <summary>PEM file of the CA that signed the central service's certificate (TLS). Default null: the system's trust store.</summary>
    public string? CentralCaCertificate { get; set; }

    /// <summary>Folder of program files (programs/*.json) used until the central service has sent its programs. Default null.</summary>
    public string? ProgramsDirectory { get; set; }

    /// <summary>
    /// Checks a terminal may hold open (unpaid) at once (1..100,000). Default 1,000: a lane has a few;
    /// past the limit, opening one more is refused with RESOURCE_EXHAUSTED instead of letting a
    /// runaway POS fill memory.
    /// </summary>
    public int MaxOpenChecks { get; set; } = 1000;

    /// <summary>An open check untouched for this long is abandoned and cancelled (at least 1 minute). Default 24 h.</summary>
    public TimeSpan OpenCheckMaxAge { get; set; } = TimeSpan.FromHours(24);

    /// <summary>
    /// While the database's writes fail (disk full, I/O error), how often the agent tries a small
    /// write of its own to see it recover (100 ms..10 min). Default 5 s.
    /// </summary>
    public TimeSpan StoreProbeInterval { get; set; } = TimeSpan.FromSeconds(5);

    /// <summary>
    /// How long a stop (SIGTERM, Ctrl+C, systemctl stop) may take: the API stops taking calls, the
    /// calls in flight and the sync batch being sent finish, then what is left is cancelled (a sale
    /// is committed before its call answers, so nothing acknowledged is lost). Default 10 s;
    /// 1 second..10 minutes (keep systemd's TimeoutStopSec above it).
    /// </summary>
    public TimeSpan ShutdownTimeout { get; set; } = AgentDefaults.ShutdownTimeout;

    /// <summary>Sync worker and resilience settings.</summary>
    public SyncOptions Sync { get; set; } = new();

    /// <summary>The lane's devices (none by default).</summary>
    public DeviceOptions Devices { get; set; } = new();

    /// <summary>Metrics and traces (off by default).</summary>
    public AgentTelemetryOptions Telemetry { get; set; } = new();

    /// <summary>The resolved socket path ("" when disabled).</summary>
    public string ResolvedSocketPath => SocketPath ?? Path.Combine(DataDirectory, "agent.sock");

    /// <summary>The SQLite database file.</summary>
    public string DatabasePath => Path.Combine(DataDirectory, "agent.db");

    /// <summary>Throws <see cref="ArgumentException"/> listing every invalid setting.</summary>
    public void Validate()
    {
        if (Problems() is { Count: > 0 } problems)
        {
            throw new ArgumentException(Describe(problems));
        }
    }

    /// <summary>The one message listing <paramref name="problems"/>, one per line.</summary>
    public static string Describe(IEnumerable<string> problems) =>
        "Invalid agent configuration:" + Environment.NewLine + "  " + string.Join(Environment.NewLine + "  ", problems);

    /// <summary>Every invalid setting (empty when all are valid), each with its name, its value and what is allowed.</summary>
    public IReadOnlyList<string> Problems()
    {
        var problems = new List<string>();
        if (ShutdownTimeout < TimeSpan.FromSeconds(1) || ShutdownTimeout > TimeSpan.FromMinutes(10))
        {
            problems.Add($"shutdownTimeout: {ShutdownTimeout} must be 00:00:01..00:10:00");
        }

        if (MaxOpenChecks is < 1 or > 100_000)
        {
            problems.Add($"maxOpenChecks: {MaxOpenChecks} must be 1..100000");
        }

        if (OpenCheckMaxAge < TimeSpan.FromMinutes(1))
        {
            problems.Add($"openCheckMaxAge: {OpenCheckMaxAge} must be at least 00:01:00");
        }

        if (StoreProbeInterval < TimeSpan.FromMilliseconds(100) || StoreProbeInterval > TimeSpan.FromMinutes(10))
        {
            problems.Add($"storeProbeInterval: {StoreProbeInterval} must be 00:00:00.1..00:10:00");
        }

        if (string.IsNullOrWhiteSpace(TerminalId) || TerminalId.Length > 64)
        {
            problems.Add("terminalId: must be 1..64 characters");
        }

        if (string.IsNullOrWhiteSpace(DataDirectory))
        {
            problems.Add("dataDirectory: must be set");
        }

        if (ResolvedSocketPath.Length == 0 && TcpPort is null)
        {
            problems.Add("socketPath is empty and tcpPort is not set: the local API would listen nowhere");
        }

        if (ResolvedSocketPath.Length > 107)
        {
            problems.Add($"socketPath: '{ResolvedSocketPath}' is longer than the 107 bytes a Unix socket path may have");
        }

        if (!IsOctalMode(SocketMode))
        {
            problems.Add($"socketMode: '{SocketMode}' is not an octal file mode such as 660");
        }

        if (TcpPort is < 0 or > 65535)
        {
            problems.Add($"tcpPort: {TcpPort} is not a port number (0..65535)");
        }

        if (TcpPort is not null)
        {
            if (!System.Net.IPAddress.TryParse(TcpAddress, out var address))
            {
                problems.Add($"tcpAddress: '{TcpAddress}' is not an IP address");
            }
            else if (!System.Net.IPAddress.IsLoopback(address) && !AllowNonLoopback)
            {
                problems.Add($"tcpAddress: '{TcpAddress}' is not a loopback address; set allowNonLoopback to listen on other interfaces");
            }
        }

        if (CentralAddress is not null && (!Uri.TryCreate(CentralAddress, UriKind.Absolute, out var central) || central.Scheme is not ("http" or "https")))
        {
            problems.Add($"centralAddress: '{CentralAddress}' is not an http:// or https:// address");
        }

        if (CentralCaCertificate is not null && !File.Exists(CentralCaCertificate))
        {
            problems.Add($"centralCaCertificate: file '{CentralCaCertificate}' does not exist");
        }

        if (ProgramsDirectory is not null && !Directory.Exists(ProgramsDirectory))
        {
            problems.Add($"programsDirectory: folder '{ProgramsDirectory}' does not exist");
        }

        Sync.Validate(problems);
        Devices.Validate(problems);
        Telemetry.Validate(problems);
        return problems;
    }

    private static bool IsOctalMode(string mode) =>
        mode.Length is >= 3 and <= 4 && mode.All(c => c is >= '0' and <= '7');
}

/// <summary>How the outbox is sent to the central service, and how failures are handled.</summary>
public sealed class SyncOptions
{
    /// <summary>Operations per SubmitTransactions call (1..500). Default 250.</summary>
    public int BatchSize { get; set; } = AgentDefaults.BatchSize;

    /// <summary>
    /// Batches sent at once while draining a backlog (1..16); a card's operations always travel
    /// in one lane, in commit order. Default 8 (the central service commits concurrent batches
    /// together: 100,000 drained in ~27 s with 8, ~45 s with 4 on the test machine).
    /// </summary>
    public int MaxBatchesInFlight { get; set; } = AgentDefaults.MaxBatchesInFlight;

    /// <summary>Timeout of one attempt of a call to the central service. Default 5 s.</summary>
    public TimeSpan AttemptTimeout { get; set; } = AgentDefaults.AttemptTimeout;

    /// <summary>Retries of a transient failure (UNAVAILABLE, DEADLINE_EXCEEDED, RESOURCE_EXHAUSTED of a rate limit; not a message over the size limit) before giving up on a batch for now. Default 3.</summary>
    public int MaxRetryAttempts { get; set; } = AgentDefaults.MaxRetryAttempts;

    /// <summary>First retry delay; doubles each attempt, with jitter. Default 200 ms.</summary>
    public TimeSpan RetryBaseDelay { get; set; } = AgentDefaults.RetryBaseDelay;

    /// <summary>Longest retry delay. Default 5 s.</summary>
    public TimeSpan RetryMaxDelay { get; set; } = AgentDefaults.RetryMaxDelay;

    /// <summary>Failure ratio within <see cref="BreakSamplingDuration"/> that opens the circuit (offline mode). Default 0.5.</summary>
    public double BreakFailureRatio { get; set; } = AgentDefaults.BreakFailureRatio;

    /// <summary>Calls needed in the sampling window before the circuit may open. Default 3.</summary>
    public int BreakMinimumThroughput { get; set; } = AgentDefaults.BreakMinimumThroughput;

    /// <summary>Window over which failures are counted. Default 10 s.</summary>
    public TimeSpan BreakSamplingDuration { get; set; } = AgentDefaults.BreakSamplingDuration;

    /// <summary>How long the circuit stays open before a recovery probe. Default 5 s.</summary>
    public TimeSpan BreakDuration { get; set; } = AgentDefaults.BreakDuration;

    /// <summary>How often the worker looks at the outbox when nothing wakes it. Default 1 s.</summary>
    public TimeSpan PollInterval { get; set; } = AgentDefaults.PollInterval;

    /// <summary>
    /// How long the worker waits after a commit wakes it before sending: the commit's answer goes
    /// out first instead of sharing the CPU with the worker, and commits close together share a
    /// batch. 0..1 s; default 20 ms.
    /// </summary>
    public TimeSpan CommitDelay { get; set; } = AgentDefaults.CommitDelay;

    /// <summary>Budget of an online redemption authorization (and of a card lookup at attach); past it the offline rules apply. Default 400 ms.</summary>
    public TimeSpan OnlineBudget { get; set; } = AgentDefaults.OnlineBudget;

    /// <summary>How often the changes feed and program definitions are refreshed. Default 30 s.</summary>
    public TimeSpan CacheRefreshInterval { get; set; } = AgentDefaults.CacheRefreshInterval;

    /// <summary>How long synced operations are kept locally (reprints, corrections). Default 7 days.</summary>
    public TimeSpan SyncedRetention { get; set; } = AgentDefaults.SyncedRetention;

    /// <summary>Wait before retrying after the central service refused the terminal's credentials. Default 30 s.</summary>
    public TimeSpan AuthFailureDelay { get; set; } = AgentDefaults.AuthFailureDelay;

    /// <summary>While sync passes keep failing with the same error, one summary line per this interval instead of one per pass. Default 5 min.</summary>
    public TimeSpan FailureSummaryInterval { get; set; } = TimeSpan.FromMinutes(5);

    internal void Validate(List<string> problems)
    {
        if (BatchSize is < 1 or > 500)
        {
            problems.Add($"sync.batchSize: {BatchSize} must be 1..500");
        }

        if (MaxBatchesInFlight is < 1 or > 16)
        {
            problems.Add($"sync.maxBatchesInFlight: {MaxBatchesInFlight} must be 1..16");
        }

        if (MaxRetryAttempts is < 0 or > 20)
        {
            problems.Add($"sync.maxRetryAttempts: {MaxRetryAttempts} must be 0..20");
        }

        if (BreakFailureRatio is <= 0 or > 1)
        {
            problems.Add($"sync.breakFailureRatio: {BreakFailureRatio} must be in (0, 1]");
        }

        if (BreakMinimumThroughput < 2)
        {
            problems.Add($"sync.breakMinimumThroughput: {BreakMinimumThroughput} must be at least 2");
        }

        Positive(problems, "sync.attemptTimeout", AttemptTimeout);
        Positive(problems, "sync.failureSummaryInterval", FailureSummaryInterval);
        Positive(problems, "sync.retryBaseDelay", RetryBaseDelay);
        Positive(problems, "sync.retryMaxDelay", RetryMaxDelay);
        if (BreakSamplingDuration < TimeSpan.FromMilliseconds(500))
        {
            problems.Add($"sync.breakSamplingDuration: {BreakSamplingDuration} must be at least 0.5 s");
        }

        if (BreakDuration < TimeSpan.FromMilliseconds(500))
        {
            problems.Add($"sync.breakDuration: {BreakDuration} must be at least 0.5 s");
        }

        Positive(problems, "sync.pollInterval", PollInterval);
        if (CommitDelay < TimeSpan.Zero || CommitDelay > TimeSpan.FromSeconds(1))
        {
            problems.Add($"sync.commitDelay: {CommitDelay} must be 0..1 s");
        }

        Positive(problems, "sync.onlineBudget", OnlineBudget);
        Positive(problems, "sync.cacheRefreshInterval", CacheRefreshInterval);
        Positive(problems, "sync.syncedRetention", SyncedRetention);
        Positive(problems, "sync.authFailureDelay", AuthFailureDelay);
    }

    private static void Positive(List<string> problems, string name, TimeSpan value)
    {
        if (value <= TimeSpan.Zero)
        {
            problems.Add($"{name}: {value} must be positive");
        }
    }
}

/// <summary>The lane's scanner and receipt printer.</summary>
public sealed class DeviceOptions
{
    /// <summary>Serial device of the barcode scanner (e.g. /dev/serial/by-id/..., a simulator symlink). Default null: none.</summary>
    public string? ScannerPath { get; set; }

    /// <summary>Scanner line speed. Default 9600.</summary>
    public int ScannerBaud { get; set; } = AgentDefaults.ScannerBaud;

    /// <summary>Serial driver of both devices: "auto" (own termios on Linux, System.IO.Ports on Windows), "termios" (Linux only) or "serialport". Default "auto".</summary>
    public string SerialDriver { get; set; } = "auto";

    /// <summary>Receipt printer: a serial/USB device path, or "tcp://host:9100". Default null: none.</summary>
    public string? PrinterPath { get; set; }

    /// <summary>Printer line speed (serial printers). Default 115200.</summary>
    public int PrinterBaud { get; set; } = AgentDefaults.PrinterBaud;

    /// <summary>Printer profile (code page, width, cutter): epson-80mm-cp866, epson-80mm-wpc1251, epson-80mm-42-wpc1251, generic-58mm-cp866. Default "epson-80mm-42-wpc1251".</summary>
    public string PrinterProfile { get; set; } = AgentDefaults.PrinterProfile;

    /// <summary>Characters per receipt line (32, 42 or 48) of receipts written to files; a printer uses its profile's width. Default 42.</summary>
    public int ReceiptWidth { get; set; } = AgentDefaults.ReceiptWidth;

    /// <summary>The store's name, the first line of every receipt. Default "PosAgent".</summary>
    public string ReceiptHeader { get; set; } = AgentDefaults.ReceiptHeader;

    /// <summary>The store's address under its name; "\n" separates lines. Default empty.</summary>
    public string StoreAddress { get; set; } = string.Empty;

    /// <summary>The store's tax id (INN, BIN, national id), printed under the address with the language's label. Default empty.</summary>
    public string StoreTaxId { get; set; } = string.Empty;

    /// <summary>Receipt language: en, ru, kk or fa. Default null: the program's (IRR fa; RUB, KZT, BYN ru; else en).</summary>
    public string? ReceiptLanguage { get; set; }

    /// <summary>
    /// The store's time zone, an IANA id such as "Asia/Almaty", "Europe/Moscow" or "Asia/Tehran":
    /// receipt dates and times are the store's local time in it (with its UTC offset, so an hour
    /// repeated when clocks go back is told apart). Default null: the machine's time zone.
    /// </summary>
    public string? StoreTimeZone { get; set; }

    internal void Validate(List<string> problems)
    {
        if (ScannerBaud is < 1200 or > 115200)
        {
            problems.Add($"devices.scannerBaud: {ScannerBaud} must be 1200..115200");
        }

        if (!Enum.TryParse<PosAgent.Devices.Transports.SerialDriver>(SerialDriver, ignoreCase: true, out var driver) || !Enum.IsDefined(driver) || int.TryParse(SerialDriver, out _))
        {
            problems.Add($"devices.serialDriver: '{SerialDriver}' must be auto, termios or serialport");
        }
        else if (driver == PosAgent.Devices.Transports.SerialDriver.Termios && !OperatingSystem.IsLinux())
        {
            problems.Add("devices.serialDriver: termios exists on Linux only (use auto or serialport)");
        }

        if (PrinterBaud is < 1200 or > 115200)
        {
            problems.Add($"devices.printerBaud: {PrinterBaud} must be 1200..115200");
        }

        if (!PosAgent.Devices.Printing.PrinterProfile.Known.ContainsKey(PrinterProfile))
        {
            problems.Add($"devices.printerProfile: '{PrinterProfile}' is not one of {string.Join(", ", PosAgent.Devices.Printing.PrinterProfile.Known.Keys)}");
        }

        if (ReceiptWidth is not (32 or 42 or 48))
        {
            problems.Add($"devices.receiptWidth: {ReceiptWidth} must be 32, 42 or 48");
        }

        if (ReceiptLanguage is { } language && !Internal.Receipts.ReceiptLanguage.Codes.Contains(language, StringComparer.OrdinalIgnoreCase))
        {
            problems.Add($"devices.receiptLanguage: '{language}' is not one of {string.Join(", ", Internal.Receipts.ReceiptLanguage.Codes)}");
        }

        if (StoreTimeZone is { } zone && !Internal.Receipts.ReceiptClock.TryFindZone(zone, out _))
        {
            problems.Add($"devices.storeTimeZone: '{zone}' is not a time zone this machine knows (an IANA id such as Asia/Almaty; Debian: package tzdata)");
        }
    }
}

/// <summary>The defaults of <see cref="AgentOptions"/>, in one place.</summary>
public static class AgentDefaults
{
    public const string TerminalId = "terminal-1";
    public const string StoreId = "store-1";
    public const string DataDirectory = "./posagent-data";
    public const string SocketMode = "660";
    public const string TcpAddress = "127.0.0.1";
    public const int BatchSize = 250;
    public const int MaxBatchesInFlight = 8;
    public const int MaxRetryAttempts = 3;
    public const double BreakFailureRatio = 0.5;
    public const int BreakMinimumThroughput = 3;
    public const int ScannerBaud = 9600;
    public const int PrinterBaud = 115200;
    public const int ReceiptWidth = 42;
    public const string ReceiptHeader = "PosAgent";
    public const string PrinterProfile = "epson-80mm-42-wpc1251";
    public static readonly TimeSpan ShutdownTimeout = TimeSpan.FromSeconds(10);
    public static readonly TimeSpan AttemptTimeout = TimeSpan.FromSeconds(5);
    public static readonly TimeSpan RetryBaseDelay = TimeSpan.FromMilliseconds(200);
    public static readonly TimeSpan RetryMaxDelay = TimeSpan.FromSeconds(5);
    public static readonly TimeSpan BreakSamplingDuration = TimeSpan.FromSeconds(10);
    public static readonly TimeSpan BreakDuration = TimeSpan.FromSeconds(5);
    public static readonly TimeSpan PollInterval = TimeSpan.FromSeconds(1);

    /// <summary>Default <see cref="SyncOptions.CommitDelay"/>.</summary>
    public static readonly TimeSpan CommitDelay = TimeSpan.FromMilliseconds(20);
    public static readonly TimeSpan OnlineBudget = TimeSpan.FromMilliseconds(400);
    public static readonly TimeSpan CacheRefreshInterval = TimeSpan.FromSeconds(30);
    public static readonly TimeSpan SyncedRetention = TimeSpan.FromDays(7);
    public static readonly TimeSpan AuthFailureDelay = TimeSpan.FromSeconds(30);
}

/// <summary>Validates <see cref="AgentOptions"/> when the host starts (ValidateOnStart), with the messages of <see cref="AgentOptions.Validate"/>.</summary>
internal sealed class AgentOptionsValidator : Microsoft.Extensions.Options.IValidateOptions<AgentOptions>
{
    public Microsoft.Extensions.Options.ValidateOptionsResult Validate(string? name, AgentOptions options) =>
        options.Problems() is { Count: > 0 } problems
            ? Microsoft.Extensions.Options.ValidateOptionsResult.Fail(problems)
            : Microsoft.Extensions.Options.ValidateOptionsResult.Success;
}
