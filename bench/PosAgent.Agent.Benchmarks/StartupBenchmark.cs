using System.Diagnostics;
using System.Globalization;

namespace PosAgent.Agent.Benchmarks;

/// <summary>
/// The real <c>posagent-agent run</c> process, as systemd starts it (<c>dotnet posagent-agent.dll run</c>),
/// on a fresh data folder each time: time from process start to its ready line (the local API accepts
/// calls; under systemd the same moment sends READY=1), its resident memory after a few idle seconds,
/// and the time SIGTERM takes to stop it (exit code 0 required).
/// Usage: startup [runs=10] [idle-seconds=3]
/// </summary>
internal static class StartupBenchmark
{
    public static async Task<int> RunAsync(string[] args)
    {
        var runs = args.Length > 0 ? int.Parse(args[0], CultureInfo.InvariantCulture) : 10;
        var idle = TimeSpan.FromSeconds(args.Length > 1 ? double.Parse(args[1], CultureInfo.InvariantCulture) : 3);
        var dll = Path.Combine(AppContext.BaseDirectory, "posagent-agent.dll");
        var starts = new List<double>();
        var rss = new List<double>();
        var stops = new List<double>();
        for (var i = 0; i < runs; i++)
        {
            var dir = Directory.CreateTempSubdirectory("pa-bench-start-");
            try
            {
                var start = new ProcessStartInfo("dotnet") { RedirectStandardOutput = true, RedirectStandardError = true, UseShellExecute = false };
                foreach (var arg in new[] { dll, "run", "--data-dir", dir.FullName, "--log-level", "Warning" })
                {
                    start.ArgumentList.Add(arg);
                }

                var ready = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
                var clock = Stopwatch.StartNew();
                using var process = Process.Start(start)!;
                process.OutputDataReceived += (_, e) =>
                {
                    if (e.Data?.StartsWith("posagent-agent ready", StringComparison.Ordinal) == true)
                    {
                        ready.TrySetResult();
                    }
                };
                process.BeginOutputReadLine();
                process.BeginErrorReadLine();
                await ready.Task.WaitAsync(TimeSpan.FromSeconds(60));
                starts.Add(clock.Elapsed.TotalMilliseconds);
                await Task.Delay(idle);
                rss.Add(ReadRssMiB(process.Id));
                clock.Restart();
                using (var kill = Process.Start("kill", ["-TERM", process.Id.ToString(CultureInfo.InvariantCulture)]))
                {
                    await kill.WaitForExitAsync();
                }

                await process.WaitForExitAsync().WaitAsync(TimeSpan.FromSeconds(30));
                stops.Add(clock.Elapsed.TotalMilliseconds);
                if (process.ExitCode != 0)
                {
                    await Console.Error.WriteLineAsync($"run {i}: exit code {process.ExitCode}");
                    return 1;
                }
            }
            finally
            {
                dir.Delete(recursive: true);
            }
        }

        Console.WriteLine(string.Create(CultureInfo.InvariantCulture, $"agent start-up ({runs} runs, fresh data folder, dotnet posagent-agent.dll run to its ready line): p50 {Percentile(starts, 0.5):F0} ms, min {starts.Min():F0} ms, max {starts.Max():F0} ms"));
        Console.WriteLine(string.Create(CultureInfo.InvariantCulture, $"idle RSS after {idle.TotalSeconds:F0} s: p50 {Percentile(rss, 0.5):F1} MiB, max {rss.Max():F1} MiB"));
        Console.WriteLine(string.Create(CultureInfo.InvariantCulture, $"SIGTERM to exit (code 0 every run): p50 {Percentile(stops, 0.5):F0} ms, max {stops.Max():F0} ms"));
        return 0;
    }

    private static double ReadRssMiB(int pid)
    {
        var line = File.ReadLines($"/proc/{pid}/status").First(l => l.StartsWith("VmRSS:", StringComparison.Ordinal));
        var kib = double.Parse(line["VmRSS:".Length..].Trim().Split(' ')[0], CultureInfo.InvariantCulture);
        return kib / 1024;
    }

    private static double Percentile(List<double> values, double p)
    {
        var sorted = values.Order().ToList();
        return sorted[(int)Math.Min(sorted.Count - 1, Math.Floor(p * sorted.Count))];
    }
}
