using System.Diagnostics;

namespace PosAgent.TestSupport.PowerLoss;

/// <summary>
/// A mount of <c>lazyfs.py</c> (a FUSE filesystem of this project's own, beside this file) in a
/// fresh folder: whatever programs write there is kept in memory and forgotten on
/// <see cref="CutPowerAsync"/> unless it was fsync'ed (names: unless their folder was fsync'ed),
/// which is what a power cut does to a disk's cache. Needs /dev/fuse, Debian's python3-fusepy and
/// fuse3 (./test.sh installs both) and root (or user_allow_other).
/// </summary>
/// <remarks>
/// The filesystem exits and unmounts itself when its standard input closes, so a test that fails,
/// or a test host that is killed, never leaves a mount behind; <see cref="DisposeAsync"/> also
/// unmounts it explicitly. Every request is served by one thread, in order.
/// </remarks>
public sealed class LazyFsMount : IAsyncDisposable
{
    private static readonly TimeSpan CommandTimeout = TimeSpan.FromSeconds(30);
    private readonly Process _process;
    private readonly TempDirectory _folder;
    private readonly System.Threading.Channels.Channel<string> _answers = System.Threading.Channels.Channel.CreateUnbounded<string>();
    private readonly System.Text.StringBuilder _errors = new();
    private readonly SemaphoreSlim _commands = new(1, 1);

    private LazyFsMount(Process process, TempDirectory folder)
    {
        _process = process;
        _folder = folder;
    }

    /// <summary>The mounted folder.</summary>
    public string Path => _folder.Path;

    /// <summary>A path inside the mount.</summary>
    public string File(string name) => System.IO.Path.Combine(Path, name);

    /// <summary>Power cuts so far.</summary>
    public int Cuts { get; private set; }

    public static async Task<LazyFsMount> MountAsync()
    {
        var folder = new TempDirectory("lazyfs-");
        var start = new ProcessStartInfo("/usr/bin/python3")
        {
            RedirectStandardInput = true,
            RedirectStandardOutput = true,
            RedirectStandardError = true,
            UseShellExecute = false,
        };
        // -W ignore: fusepy warns about float timestamps on every start.
        foreach (var arg in new[] { "-W", "ignore", ScriptPath, folder.Path })
        {
            start.ArgumentList.Add(arg);
        }

        var process = Process.Start(start) ?? throw new InvalidOperationException("python3 did not start");
        var mount = new LazyFsMount(process, folder);
        process.OutputDataReceived += (_, e) =>
        {
            if (e.Data is { } line)
            {
                mount._answers.Writer.TryWrite(line);
            }
            else
            {
                mount._answers.Writer.TryComplete();
            }
        };
        process.ErrorDataReceived += (_, e) =>
        {
            lock (mount._errors)
            {
                mount._errors.AppendLine(e.Data);
            }
        };
        process.BeginOutputReadLine();
        process.BeginErrorReadLine();
        try
        {
            await mount.ExpectAsync("ready");
        }
        catch
        {
            await mount.DisposeAsync();
            throw;
        }

        return mount;
    }

    /// <summary>The power goes off and on: every file and folder falls back to what was last fsync'ed.</summary>
    /// <remarks>Stop (SIGKILL) every process using the mount first: a power cut stops them too.</remarks>
    public async Task CutPowerAsync()
    {
        await SendAsync("cut", "cut-done");
        Cuts++;
    }

    /// <summary>
    /// From now on every write, truncate and fsync fails with <paramref name="errno"/> ("ENOSPC":
    /// the disk is full; "EIO": it fails), until <see cref="HealAsync"/>. Reads keep working.
    /// </summary>
    public async Task FailWritesAsync(string errno = "ENOSPC") => await SendAsync("fail " + errno, "fail-done");

    /// <summary>Writes work again (space freed, the disk replaced).</summary>
    public async Task HealAsync() => await SendAsync("heal", "heal-done");

    /// <summary>Counters of the filesystem: fsyncs of files and of folders, writes.</summary>
    public async Task<string> StatsAsync() => await SendAsync("stats", "stats ");

    private async Task<string> SendAsync(string command, string answerPrefix)
    {
        await _commands.WaitAsync();
        try
        {
            await _process.StandardInput.WriteLineAsync(command);
            await _process.StandardInput.FlushAsync();
            return await ExpectAsync(answerPrefix);
        }
        finally
        {
            _commands.Release();
        }
    }

    private async Task<string> ExpectAsync(string prefix)
    {
        using var timeout = new CancellationTokenSource(CommandTimeout);
        try
        {
            await foreach (var line in _answers.Reader.ReadAllAsync(timeout.Token))
            {
                if (line.StartsWith(prefix, StringComparison.Ordinal))
                {
                    return line;
                }
            }
        }
        catch (OperationCanceledException)
        {
            throw new TimeoutException($"lazyfs did not answer '{prefix}' within {CommandTimeout}: {Errors}");
        }

        throw new InvalidOperationException($"lazyfs exited before answering '{prefix}': {Errors}");
    }

    private string Errors
    {
        get
        {
            lock (_errors)
            {
                return _errors.ToString();
            }
        }
    }

    private static string ScriptPath => System.IO.Path.Combine(AppContext.BaseDirectory, "PowerLoss", "lazyfs.py");

    public async ValueTask DisposeAsync()
    {
        try
        {
            // Closing its input makes it unmount (lazily) and exit.
            _process.StandardInput.Close();
            await _process.WaitForExitAsync().WithTimeout(CommandTimeout);
        }
        catch (TimeoutException)
        {
            Unmount();
            _process.Kill();
            await _process.WaitForExitAsync();
        }
        finally
        {
            _process.Dispose();
            _commands.Dispose();
            _folder.Dispose();
        }
    }

    private void Unmount()
    {
        using var fusermount = Process.Start(new ProcessStartInfo("fusermount", ["-u", "-z", Path]) { UseShellExecute = false });
        fusermount?.WaitForExit(10_000);
    }
}
