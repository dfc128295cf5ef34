using System.Diagnostics;
using PosAgent.Agent.Tests.Support;
using PosAgent.TestSupport;

namespace PosAgent.Agent.Tests.PowerLoss;

/// <summary>posagent-central as a separate process (so the power can stop it), on a SQLite store.</summary>
internal sealed class CentralProcess : IAsyncDisposable
{
    private readonly Process _process;

    private CentralProcess(Process process) => _process = process;

    /// <summary>Runs an operator command (e.g. "terminal create ...") against the store; returns its output.</summary>
    public static async Task<string> CommandAsync(string store, params string[] command)
    {
        using var process = Start(["--store", store, "--programs", Repo.ProgramsDirectory, .. command]);
        var output = process.StandardOutput.ReadToEndAsync();
        var error = process.StandardError.ReadToEndAsync();
        await process.WaitForExitAsync().WithTimeout(TimeSpan.FromSeconds(60));
        Assert.True(process.ExitCode == 0, $"posagent-central {string.Join(' ', command)} exited with {process.ExitCode}: {await error}");
        return await output;
    }

    /// <summary>A terminal credential's token, created through the operator CLI.</summary>
    public static async Task<string> TerminalTokenAsync(string store, string terminalId)
    {
        var output = await CommandAsync(store, "terminal", "create", terminalId, "--store-id", "shop-1");
        return output.Split('\n').Single(l => l.StartsWith("token: ", StringComparison.Ordinal))["token: ".Length..].Trim();
    }

    /// <summary>Starts the service on <paramref name="url"/> and returns once it listens.</summary>
    public static async Task<CentralProcess> StartAsync(string store, string url)
    {
        var process = Start(["--store", store, "--programs", Repo.ProgramsDirectory, "serve", "--url", url, "--job-interval", "00:00:00"]);
        var ready = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        var errors = new System.Text.StringBuilder();
        process.OutputDataReceived += (_, e) =>
        {
            if (e.Data?.StartsWith("posagent-central listening", StringComparison.Ordinal) == true)
            {
                ready.TrySetResult();
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
        _ = process.WaitForExitAsync().ContinueWith(
            _ => ready.TrySetException(new InvalidOperationException($"posagent-central exited with {process.ExitCode}: {errors}")),
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

        return new CentralProcess(process);
    }

    /// <summary>SIGKILL, as the power takes it.</summary>
    public void Kill()
    {
        if (!_process.HasExited)
        {
            _process.Kill();
        }

        _process.WaitForExit(10_000);
    }

    public async ValueTask DisposeAsync()
    {
        Kill();
        await _process.WaitForExitAsync();
        _process.Dispose();
    }

    private static Process Start(string[] args)
    {
        var start = new ProcessStartInfo(Path.Combine(AppContext.BaseDirectory, "posagent-central"))
        {
            RedirectStandardOutput = true,
            RedirectStandardError = true,
            UseShellExecute = false,
        };
        foreach (var arg in args)
        {
            start.ArgumentList.Add(arg);
        }

        return Process.Start(start) ?? throw new InvalidOperationException("posagent-central did not start");
    }
}
