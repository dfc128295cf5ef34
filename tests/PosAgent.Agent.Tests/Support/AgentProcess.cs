using System.Diagnostics;
using System.Text.Json;
using PosAgent.TestSupport;

namespace PosAgent.Agent.Tests.Support;

/// <summary>posagent-agent run as a separate process (so it can be SIGKILLed), with a client on its socket.</summary>
internal sealed class AgentProcess : IAsyncDisposable
{
    private readonly Process _process;
    private readonly LineLog _output;
    private readonly System.Text.StringBuilder _errors;

    private AgentProcess(Process process, string socket, LineLog output, System.Text.StringBuilder errors)
    {
        _errors = errors;
        _process = process;
        _output = output;
        Client = LocalApiClient.ForUnixSocket(socket);
    }

    public LocalApiClient Client { get; }

    /// <summary>The lines the agent wrote to its standard output so far (its log).</summary>
    public IReadOnlyList<string> Output => _output.Lines;

    /// <summary>Waits (bounded) until the agent has written a line that matches.</summary>
    public Task<string> WaitForLineAsync(Func<string, bool> match, TimeSpan timeout) => _output.WaitForAsync(match).WithTimeout(timeout);

    public int Id => _process.Id;

    /// <summary>
    /// Writes a config file into <paramref name="dataDirectory"/> and starts the agent on it; returns once it accepts calls.
    /// <paramref name="logLevel"/> null runs it at its default level. <paramref name="controlDirectory"/>, when
    /// set, holds the config file and the socket instead (power-loss tests keep them off the
    /// filesystem that loses writes; the agent creates its data folder itself). <paramref name="devices"/>: the
    /// config's "devices" section (none by default).
    /// </summary>
    public static async Task<AgentProcess> StartAsync(string dataDirectory, string terminalId, string? central, string? token, string? logLevel = "Warning", string? controlDirectory = null, object? devices = null, string? programsDirectory = null, IReadOnlyDictionary<string, string>? environment = null, string? shutdownTimeout = null)
    {
        if (controlDirectory is null)
        {
            Directory.CreateDirectory(dataDirectory);
        }

        var control = controlDirectory ?? dataDirectory;
        var socket = Path.Combine(control, "agent.sock");
        var config = Path.Combine(control, "agent.json");
        await File.WriteAllTextAsync(config, JsonSerializer.Serialize(new
        {
            terminalId,
            dataDirectory,
            socketPath = socket,
            programsDirectory = programsDirectory ?? Repo.ProgramsDirectory,
            centralAddress = central,
            centralToken = token,
            devices = devices ?? new { },
            shutdownTimeout = shutdownTimeout ?? "00:00:10",
            sync = new { breakDuration = "00:00:01", pollInterval = "00:00:00.200", attemptTimeout = "00:00:02", retryBaseDelay = "00:00:00.050", retryMaxDelay = "00:00:00.500", cacheRefreshInterval = "00:00:05" },
        }));
        var start = new ProcessStartInfo(Path.Combine(AppContext.BaseDirectory, "posagent-agent"))
        {
            RedirectStandardOutput = true,
            RedirectStandardError = true,
            UseShellExecute = false,
        };
        foreach (var (name, value) in environment ?? new Dictionary<string, string>())
        {
            start.Environment[name] = value;
        }

        foreach (var arg in logLevel is null ? new[] { "run", "--config", config } : ["run", "--config", config, "--log-level", logLevel])
        {
            start.ArgumentList.Add(arg);
        }

        var process = Process.Start(start) ?? throw new InvalidOperationException("posagent-agent did not start");
        var ready = new TaskCompletionSource<string>(TaskCreationOptions.RunContinuationsAsynchronously);
        var errors = new System.Text.StringBuilder();
        var output = new LineLog();
        process.OutputDataReceived += (_, e) =>
        {
            if (e.Data is { } line)
            {
                output.Add(line);
            }

            if (e.Data?.StartsWith("posagent-agent ready", StringComparison.Ordinal) == true)
            {
                ready.TrySetResult(e.Data);
            }
        };
        process.ErrorDataReceived += (_, e) =>
        {
            lock (errors)
            {
                errors.AppendLine(e.Data);
            }
        };
        process.BeginOutputReadLine();
        process.BeginErrorReadLine();
        // WaitForExitAsync also waits for both redirected streams to reach their end, so the message
        // holds everything the agent wrote (the Exited event can fire before the last line is read).
        _ = process.WaitForExitAsync().ContinueWith(
            _ => ready.TrySetException(new InvalidOperationException($"posagent-agent exited with {process.ExitCode}: {errors}")),
            CancellationToken.None, TaskContinuationOptions.ExecuteSynchronously, TaskScheduler.Default);
        try
        {
            await ready.Task.WithTimeout(TimeSpan.FromSeconds(60));
        }
        catch
        {
            process.Kill();
            process.Dispose();
            throw;
        }

        return new AgentProcess(process, socket, output, errors);
    }

    /// <summary>SIGKILL: no chance to flush or clean up.</summary>
    public void Kill()
    {
        if (!_process.HasExited)
        {
            _process.Kill(entireProcessTree: false);
        }

        _process.WaitForExit(10_000);
    }

    /// <summary>SIGTERM, as systemd sends on stop; returns the exit code, or null if it did not exit in time.</summary>
    public async Task<int?> TerminateAsync(TimeSpan timeout)
    {
        _ = NativeMethods.kill(_process.Id, 15);
        try
        {
            await _process.WaitForExitAsync().WithTimeout(timeout);
            return _process.ExitCode;
        }
        catch (TimeoutException)
        {
            return null;
        }
    }

    public async ValueTask DisposeAsync()
    {
        Client.Dispose();
        if (!_process.HasExited && await TerminateAsync(TimeSpan.FromSeconds(15)) is null)
        {
            _process.Kill();
        }

        await _process.WaitForExitAsync();
        _process.Dispose();
    }

    private static class NativeMethods
    {
#pragma warning disable SYSLIB1054, CA1401, IDE1006 // A test helper: one plain libc call.
        [System.Runtime.InteropServices.DllImport("libc", SetLastError = true)]
        public static extern int kill(int pid, int signal);
#pragma warning restore SYSLIB1054, CA1401, IDE1006
    }

    /// <summary>The agent's output lines, with waiters woken by the line they wait for.</summary>
    private sealed class LineLog
    {
        private readonly List<string> _lines = [];
        private readonly List<(Func<string, bool> Match, TaskCompletionSource<string> Done)> _waiters = [];

        public IReadOnlyList<string> Lines
        {
            get
            {
                lock (_lines)
                {
                    return [.. _lines];
                }
            }
        }

        public void Add(string line)
        {
            lock (_lines)
            {
                _lines.Add(line);
                foreach (var waiter in _waiters.Where(w => w.Match(line)).ToList())
                {
                    waiter.Done.TrySetResult(line);
                    _waiters.Remove(waiter);
                }
            }
        }

        public Task<string> WaitForAsync(Func<string, bool> match)
        {
            lock (_lines)
            {
                if (_lines.FirstOrDefault(match) is { } seen)
                {
                    return Task.FromResult(seen);
                }

                var done = new TaskCompletionSource<string>(TaskCreationOptions.RunContinuationsAsynchronously);
                _waiters.Add((match, done));
                return done.Task;
            }
        }
    }
}
