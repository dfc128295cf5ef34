using System.Diagnostics;
using System.Text;
using PosAgent.TestSupport;

namespace FirmwareSim.Tests;

/// <summary>
/// A python3 process (Debian's, with python3-serial) that talks to a simulated device: a client the
/// project did not write. Lines it prints are read with bounded waits; it is killed on dispose.
/// </summary>
internal sealed class PythonClient : IAsyncDisposable
{
    private const string Python = "/usr/bin/python3";
    private readonly Process _process;
    private readonly StringBuilder _stderr = new();

    private PythonClient(Process process) => _process = process;

    /// <summary>Common helpers every script gets: hexline(bytes) prints bytes as hex on one line.</summary>
    private const string Prelude = """
        import sys, time, serial
        def out(*a):
            print(*a, flush=True)
        def hexline(b):
            out(b.hex() if b else "-")

        """;

    public static PythonClient Start(string script, params string[] args)
    {
        var info = new ProcessStartInfo(Python)
        {
            RedirectStandardInput = true,
            RedirectStandardOutput = true,
            RedirectStandardError = true,
            UseShellExecute = false,
        };
        info.ArgumentList.Add("-c");
        info.ArgumentList.Add(Prelude + script);
        foreach (var arg in args)
        {
            info.ArgumentList.Add(arg);
        }

        var process = Process.Start(info) ?? throw new InvalidOperationException("python3 did not start");
        var client = new PythonClient(process);
        process.ErrorDataReceived += (_, e) =>
        {
            if (e.Data is not null)
            {
                lock (client._stderr)
                {
                    client._stderr.AppendLine(e.Data);
                }
            }
        };
        process.BeginErrorReadLine();
        return client;
    }

    public string StandardError
    {
        get
        {
            lock (_stderr)
            {
                return _stderr.ToString();
            }
        }
    }

    /// <summary>The next line the script prints (bounded wait).</summary>
    public async Task<string> ReadLineAsync(TimeSpan? timeout = null)
    {
        try
        {
            var line = await _process.StandardOutput.ReadLineAsync().WithTimeout(timeout ?? TimeSpan.FromSeconds(15));
            return line ?? throw new InvalidOperationException($"python exited early: {StandardError}");
        }
        catch (TimeoutException ex)
        {
            throw new TimeoutException($"python printed nothing in time; stderr: {StandardError}", ex);
        }
    }

    /// <summary>Sends a line to the script's stdin (a go-ahead or a command).</summary>
    public async Task SendAsync(string line)
    {
        await _process.StandardInput.WriteLineAsync(line);
        await _process.StandardInput.FlushAsync();
    }

    public async Task<int> WaitForExitAsync()
    {
        await _process.WaitForExitAsync().WithTimeout(TimeSpan.FromSeconds(15));
        return _process.ExitCode;
    }

    public async ValueTask DisposeAsync()
    {
        if (!_process.HasExited)
        {
            _process.Kill();
            await _process.WaitForExitAsync().WithTimeout(TimeSpan.FromSeconds(10));
        }

        _process.Dispose();
    }
}
