namespace PosAgent.Demo;

/// <summary>Settings of the demo. Every property has a working default; <see cref="Validate"/> runs at start.</summary>
public sealed class DemoOptions
{
    /// <summary>Folder for all state: central/ (SQLite), agent/ (SQLite, socket), sim/ (device links, receipts, control socket). Default "./var".</summary>
    public string StateDirectory { get; set; } = "var";

    /// <summary>Folder of program files. Default: the repository's programs/ (found upwards from the current folder and the executable).</summary>
    public string? ProgramsDirectory { get; set; } = PosAgent.Central.CentralDefaults.FindProgramsDirectory();

    /// <summary>Run the demo checkout, then stop and clean up (exit code 0 when it worked). Default false: keep running until Ctrl+C.</summary>
    public bool Once { get; set; }

    /// <summary>Longest wait for each step of the demo checkout (a device to open, a scan to attach, a receipt to print). Default 30 s.</summary>
    public TimeSpan StepTimeout { get; set; } = TimeSpan.FromSeconds(30);

    /// <summary>Throws <see cref="ArgumentException"/> listing every problem.</summary>
    public void Validate()
    {
        var problems = new List<string>();
        if (string.IsNullOrWhiteSpace(StateDirectory))
        {
            problems.Add("--state-dir: must be set");
        }
        else if (Path.Combine(Path.GetFullPath(StateDirectory), "agent", "agent.sock").Length > 107)
        {
            problems.Add($"--state-dir: '{Path.GetFullPath(StateDirectory)}' is too long for a Unix socket path inside it (107 bytes at most); choose a shorter folder");
        }

        if (ProgramsDirectory is null)
        {
            problems.Add("--programs: no programs/ folder found above the current folder; give one");
        }
        else if (!Directory.Exists(ProgramsDirectory) || !Directory.EnumerateFiles(ProgramsDirectory, "*.json").Any())
        {
            problems.Add($"--programs: '{ProgramsDirectory}' has no program files (*.json)");
        }

        if (StepTimeout <= TimeSpan.Zero)
        {
            problems.Add($"--step-timeout: {StepTimeout} must be positive");
        }

        if (problems.Count > 0)
        {
            throw new ArgumentException("Invalid demo options: " + string.Join("; ", problems));
        }
    }
}
