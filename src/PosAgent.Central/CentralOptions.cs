namespace PosAgent.Central;

/// <summary>Settings of the central service. Every property has a working default; <see cref="Validate"/> runs at start-up.</summary>
public sealed class CentralOptions
{
    /// <summary>
    /// Folder for the SQLite database and other state. Default: $POSAGENT_CENTRAL_STATE_DIR, else
    /// $XDG_STATE_HOME/posagent-central, else ~/.local/state/posagent-central.
    /// </summary>
    public string StateDirectory { get; set; } = CentralDefaults.StateDirectory();

    /// <summary>
    /// The store: a PostgreSQL connection string ("Host=...;Database=...;Username=...") or a
    /// SQLite file path. Default: null, meaning {StateDirectory}/central.db.
    /// </summary>
    public string? Store { get; set; }

    /// <summary>Folder of program definition files loaded (and activated when new) at start. Default: the repository's programs/ folder, found upwards from the executable and the current directory; null skips loading.</summary>
    public string? ProgramsDirectory { get; set; } = CentralDefaults.FindProgramsDirectory();

    /// <summary>Listen URLs, e.g. "http://127.0.0.1:5070" or "https://0.0.0.0:5443". Default: http://127.0.0.1:5070 (loopback only).</summary>
    public IList<string> Urls { get; } = [];

    /// <summary>PEM certificate (chain) for https URLs. Default null (no TLS).</summary>
    public string? TlsCertificatePath { get; set; }

    /// <summary>PEM private key of <see cref="TlsCertificatePath"/>. Default null (the key is in the certificate file).</summary>
    public string? TlsKeyPath { get; set; }

    /// <summary>
    /// Allow plaintext on a non-loopback address. Default false: bearer tokens must not cross a
    /// network unencrypted, so http:// is accepted only on loopback.
    /// </summary>
    public bool AllowInsecureNonLoopback { get; set; }

    /// <summary>Most transactions in one SubmitTransactions call. Default 500.</summary>
    public int MaxBatchSize { get; set; } = 500;

    /// <summary>How far in the future of the service clock a business time may be. Default 5 minutes (terminal clocks drift).</summary>
    public TimeSpan MaxClockSkew { get; set; } = TimeSpan.FromMinutes(5);

    /// <summary>Per-terminal rate: transactions (or calls) per second refilled. Default 5,000 (a terminal draining an offline backlog).</summary>
    public int RateLimitPerSecond { get; set; } = 5_000;

    /// <summary>Per-terminal burst: the bucket size. Default 10,000.</summary>
    public int RateLimitBurst { get; set; } = 10_000;

    /// <summary>Failed authentications one address may make before its further failures are refused (RESOURCE_EXHAUSTED) without a store read or a log line each. Default 30.</summary>
    public int UnauthenticatedBurst { get; set; } = 30;

    /// <summary>How often an address earns back one failed authentication. Default 2 s (30 a minute).</summary>
    public TimeSpan UnauthenticatedRefill { get; set; } = TimeSpan.FromSeconds(2);

    /// <summary>How often refusals over the allowance are summarized in one log line. Default 1 minute.</summary>
    public TimeSpan RefusedCallSummaryInterval { get; set; } = TimeSpan.FromMinutes(1);

    /// <summary>How long a verified credential is trusted before it is looked up again (revocation delay across instances). Default 5 s.</summary>
    public TimeSpan CredentialCacheTtl { get; set; } = TimeSpan.FromSeconds(5);

    /// <summary>How often WatchChanges polls the store for changes made by other instances. Default 1 s.</summary>
    public TimeSpan ChangePollInterval { get; set; } = TimeSpan.FromSeconds(1);

    /// <summary>
    /// How often the health service probes the store (a probe slower than this counts as a failure);
    /// health is NOT_SERVING while the store does not answer. Default 5 s.
    /// </summary>
    public TimeSpan HealthProbeInterval { get; set; } = TimeSpan.FromSeconds(5);

    /// <summary>How often the scheduler runs the jobs (each does a period at most once). Default 15 minutes; zero disables the scheduler.</summary>
    public TimeSpan JobInterval { get; set; } = TimeSpan.FromMinutes(15);

    /// <summary>How far back a job catches up missed periods. Default 62 days.</summary>
    public TimeSpan JobCatchUpLimit { get; set; } = TimeSpan.FromDays(62);

    /// <summary>
    /// How long the points an online authorization (AuthorizeRedemption) promised stay reserved
    /// for the sale that quotes its id. The sale normally follows within seconds; a hold outlives
    /// a terminal that lost its connection after authorizing only by this much, then the points
    /// are free again. Default 15 minutes; 10 seconds..1 day.
    /// </summary>
    public TimeSpan RedemptionHoldTtl { get; set; } = TimeSpan.FromMinutes(15);

    /// <summary>
    /// How long a stop (SIGTERM, Ctrl+C) may take: calls in flight finish and the scheduler's run
    /// ends within it, then what is left is cancelled. Default 30 s; 1 second..10 minutes (keep
    /// systemd's TimeoutStopSec above it).
    /// </summary>
    public TimeSpan ShutdownTimeout { get; set; } = TimeSpan.FromSeconds(30);

    /// <summary>Metrics (Prometheus <c>/metrics</c>, on by default), OTLP export (off by default) and traces.</summary>
    public CentralTelemetryOptions Telemetry { get; set; } = new();

    /// <summary>The store connection setting after defaults.</summary>
    public string ResolvedStore => Store ?? Path.Combine(StateDirectory, "central.db");

    /// <summary>Throws one exception listing every problem.</summary>
    public void Validate()
    {
        if (Problems() is { Count: > 0 } problems)
        {
            throw new ArgumentException(Describe(problems));
        }
    }

    /// <summary>The one message listing <paramref name="problems"/>.</summary>
    public static string Describe(IEnumerable<string> problems) => "Invalid central service options: " + string.Join("; ", problems);

    /// <summary>Every problem of these settings (empty when valid), each naming the setting, its value and what is allowed.</summary>
    public IReadOnlyList<string> Problems()
    {
        var problems = new List<string>();
        if (ShutdownTimeout < TimeSpan.FromSeconds(1) || ShutdownTimeout > TimeSpan.FromMinutes(10))
        {
            problems.Add($"ShutdownTimeout must be 1 second..10 minutes (was {ShutdownTimeout})");
        }

        if (string.IsNullOrWhiteSpace(StateDirectory))
        {
            problems.Add("StateDirectory must be set");
        }

        if (MaxBatchSize is < 1 or > 10_000)
        {
            problems.Add($"MaxBatchSize must be 1..10000 (was {MaxBatchSize})");
        }

        if (MaxClockSkew < TimeSpan.Zero || MaxClockSkew > TimeSpan.FromDays(1))
        {
            problems.Add($"MaxClockSkew must be 0..1 day (was {MaxClockSkew})");
        }

        if (RateLimitPerSecond < 1)
        {
            problems.Add($"RateLimitPerSecond must be at least 1 (was {RateLimitPerSecond})");
        }

        if (RateLimitBurst < 1)
        {
            problems.Add($"RateLimitBurst must be at least 1 (was {RateLimitBurst})");
        }

        if (UnauthenticatedBurst < 1)
        {
            problems.Add($"UnauthenticatedBurst must be at least 1 (was {UnauthenticatedBurst})");
        }

        if (UnauthenticatedRefill <= TimeSpan.Zero)
        {
            problems.Add($"UnauthenticatedRefill must be positive (was {UnauthenticatedRefill})");
        }

        if (RefusedCallSummaryInterval <= TimeSpan.Zero)
        {
            problems.Add($"RefusedCallSummaryInterval must be positive (was {RefusedCallSummaryInterval})");
        }

        if (CredentialCacheTtl < TimeSpan.Zero || CredentialCacheTtl > TimeSpan.FromMinutes(10))
        {
            problems.Add($"CredentialCacheTtl must be 0..10 minutes (was {CredentialCacheTtl})");
        }

        if (ChangePollInterval <= TimeSpan.Zero)
        {
            problems.Add($"ChangePollInterval must be positive (was {ChangePollInterval})");
        }

        Telemetry.Validate(problems);
        if (HealthProbeInterval <= TimeSpan.Zero)
        {
            problems.Add($"HealthProbeInterval must be positive (was {HealthProbeInterval})");
        }

        if (JobInterval < TimeSpan.Zero)
        {
            problems.Add($"JobInterval must not be negative (was {JobInterval})");
        }

        if (JobCatchUpLimit < TimeSpan.FromDays(1))
        {
            problems.Add($"JobCatchUpLimit must be at least 1 day (was {JobCatchUpLimit})");
        }

        if (RedemptionHoldTtl < TimeSpan.FromSeconds(10) || RedemptionHoldTtl > TimeSpan.FromDays(1))
        {
            problems.Add($"RedemptionHoldTtl must be 10 seconds..1 day (was {RedemptionHoldTtl})");
        }

        if (ProgramsDirectory is not null && !Directory.Exists(ProgramsDirectory))
        {
            problems.Add($"ProgramsDirectory '{ProgramsDirectory}' does not exist");
        }

        if (TlsCertificatePath is not null && !File.Exists(TlsCertificatePath))
        {
            problems.Add($"TlsCertificatePath '{TlsCertificatePath}' does not exist");
        }

        if (TlsKeyPath is not null && !File.Exists(TlsKeyPath))
        {
            problems.Add($"TlsKeyPath '{TlsKeyPath}' does not exist");
        }
        else if ((TlsKeyPath ?? TlsCertificatePath) is { } keyFile && File.Exists(keyFile) && !OperatingSystem.IsWindows()
            && (File.GetUnixFileMode(keyFile) & (UnixFileMode.OtherRead | UnixFileMode.OtherWrite)) != 0)
        {
            // Anyone on the machine could impersonate the service with it. Group read stays allowed (Debian's ssl-cert group).
            problems.Add($"the TLS private key '{keyFile}' is readable by every user (mode {Convert.ToString((int)File.GetUnixFileMode(keyFile), 8)}); chmod 600 (or 640 for a key group) it");
        }

        foreach (var url in Urls)
        {
            if (!Uri.TryCreate(url, UriKind.Absolute, out var uri) || (uri.Scheme != "http" && uri.Scheme != "https"))
            {
                problems.Add($"URL '{url}' must be http://host:port or https://host:port");
                continue;
            }

            if (uri.Scheme == "https" && TlsCertificatePath is null)
            {
                problems.Add($"URL '{url}' is https but no TLS certificate is given (--tls-cert)");
            }

            if (uri.Scheme == "http" && !AllowInsecureNonLoopback && !CentralDefaults.IsLoopback(uri.Host))
            {
                problems.Add($"URL '{url}' is plaintext on a non-loopback address: use https with --tls-cert, or --allow-insecure");
            }
        }

        return problems;
    }
}

/// <summary>Validates <see cref="CentralOptions"/> at start (ValidateOnStart) with the same messages as <see cref="CentralOptions.Validate"/>.</summary>
internal sealed class CentralOptionsValidator : Microsoft.Extensions.Options.IValidateOptions<CentralOptions>
{
    public Microsoft.Extensions.Options.ValidateOptionsResult Validate(string? name, CentralOptions options) =>
        options.Problems() is { Count: > 0 } problems
            ? Microsoft.Extensions.Options.ValidateOptionsResult.Fail(CentralOptions.Describe(problems))
            : Microsoft.Extensions.Options.ValidateOptionsResult.Success;
}

/// <summary>Defaults in one place.</summary>
public static class CentralDefaults
{
    public const string Url = "http://127.0.0.1:5070";

    public static string StateDirectory()
    {
        if (Environment.GetEnvironmentVariable("POSAGENT_CENTRAL_STATE_DIR") is { Length: > 0 } explicitDir)
        {
            return explicitDir;
        }

        var xdg = Environment.GetEnvironmentVariable("XDG_STATE_HOME");
        var root = string.IsNullOrEmpty(xdg)
            ? Path.Combine(Environment.GetFolderPath(Environment.SpecialFolder.UserProfile), ".local", "state")
            : xdg;
        return Path.Combine(root, "posagent-central");
    }

    /// <summary>The nearest "programs" folder above the executable or the current directory.</summary>
    public static string? FindProgramsDirectory()
    {
        foreach (var start in new[] { AppContext.BaseDirectory, Directory.GetCurrentDirectory() })
        {
            for (var dir = new DirectoryInfo(start); dir is not null; dir = dir.Parent)
            {
                var candidate = Path.Combine(dir.FullName, "programs");
                if (Directory.Exists(candidate) && Directory.EnumerateFiles(candidate, "*.json").Any())
                {
                    return candidate;
                }
            }
        }

        return null;
    }

    public static bool IsLoopback(string host) =>
        host is "localhost" or "127.0.0.1" or "[::1]" or "::1"
        || (System.Net.IPAddress.TryParse(host, out var ip) && System.Net.IPAddress.IsLoopback(ip));
}
