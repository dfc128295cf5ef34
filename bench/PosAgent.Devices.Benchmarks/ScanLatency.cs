using System.Diagnostics;
using PosAgent.Devices.Scanning;
using PosAgent.Devices.Transports;
using Sim = FirmwareSim;

namespace PosAgent.Devices.Benchmarks;

/// <summary>
/// Scan-to-event latency: from the simulator writing the last byte of a frame (its own
/// Stopwatch timestamp) to the driver raising the ScanEvent, on a real pty paced at the baud.
/// The frame's line time is already over when the last byte is written, so this is the latency
/// beyond the line time.
/// </summary>
internal static class ScanLatency
{
    public static async Task RunAsync(int samples)
    {
        foreach (var baud in new[] { 9600, 115200 })
        {
            var dir = Directory.CreateTempSubdirectory("pa-bench-").FullName;
            try
            {
                await using var sim = Sim.SimulatedScanner.Start(new Sim.ScannerOptions { LinkPath = Path.Combine(dir, "scanner"), Baud = baud, AimPrefix = true });
                using var scanner = new BarcodeScanner(new ScannerOptions
                {
                    Transport = new TransportOptions { Path = sim.LinkPath, Baud = baud },
                    DuplicateWindow = TimeSpan.Zero,
                });
                var connected = new TaskCompletionSource();
                TaskCompletionSource<long> arrived = new(TaskCreationOptions.RunContinuationsAsynchronously);
                scanner.EventRaised += (_, e) =>
                {
                    var now = Stopwatch.GetTimestamp();
                    if (e is DeviceConnectionEvent { State: DeviceConnectionState.Connected })
                    {
                        connected.TrySetResult();
                    }
                    else if (e is ScanEvent)
                    {
                        arrived.TrySetResult(now);
                    }
                };
                scanner.Start();
                await connected.Task.WaitAsync(TimeSpan.FromSeconds(10));
                var latencies = new List<double>(samples);
                for (var i = 0; i < samples + 20; i++)
                {
                    arrived = new TaskCompletionSource<long>(TaskCreationOptions.RunContinuationsAsynchronously);
                    var written = await sim.ScanAsync("4006381333931", Sim.Symbology.Ean13);
                    var at = await arrived.Task.WaitAsync(TimeSpan.FromSeconds(5));
                    if (i >= 20)
                    {
                        // The first 20 warm up the JIT and the thread pool.
                        latencies.Add(Stopwatch.GetElapsedTime(written.LastByteTimestamp, at).TotalMilliseconds);
                    }
                }

                latencies.Sort();
                var frameMs = 17 * 10 * 1000.0 / baud;
                Console.WriteLine($"scan latency at {baud} baud ({samples} scans, frame ]E0+13 digits+CR = 17 bytes = {frameMs:0.00} ms on the wire): " +
                    $"median {latencies[latencies.Count / 2]:0.000} ms, p90 {latencies[(int)(latencies.Count * 0.9)]:0.000} ms, p99 {latencies[(int)(latencies.Count * 0.99)]:0.000} ms, max {latencies[^1]:0.000} ms beyond the last byte");
            }
            finally
            {
                Directory.Delete(dir, recursive: true);
            }
        }
    }
}
