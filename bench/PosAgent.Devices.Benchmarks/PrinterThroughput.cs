using System.Diagnostics;
using PosAgent.Devices.Printing;
using PosAgent.Devices.Transports;
using Sim = FirmwareSim;

namespace PosAgent.Devices.Benchmarks;

/// <summary>
/// Printer throughput: back-to-back receipts through the driver (status polled before and after
/// every job, automatic status back on) into firmware-sim pacing its line at the baud. Reported as
/// bytes per second against the line rate (baud / 10 for 8N1) and against a baseline measured in
/// the same run: the same bytes written straight to the simulator's pty with no driver, no queue and
/// one status request at the end (the simulator's own pacing, which is what the driver can reach).
/// </summary>
internal static class PrinterThroughput
{
    public static async Task RunAsync()
    {
        foreach (var (baud, jobs) in new[] { (9600, 4), (115200, 30) })
        {
            var dir = Directory.CreateTempSubdirectory("pa-bench-").FullName;
            try
            {
                await using var sim = Sim.SimulatedPrinter.Start(new Sim.PrinterOptions { LinkPath = Path.Combine(dir, "printer"), Baud = baud, CharsPerLine = 48 });
                using var printer = new ReceiptPrinter(new PrinterOptions
                {
                    Transport = new TransportOptions { Path = sim.LinkPath!, Baud = baud },
                    QueuePath = Path.Combine(dir, "queue.db"),
                });
                var ready = new TaskCompletionSource();
                var allDone = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
                var completed = 0;
                long firstPrinting = 0;
                printer.EventRaised += (_, e) =>
                {
                    switch (e)
                    {
                        case PrinterStatusEvent { Status.IsReady: true }:
                            ready.TrySetResult();
                            break;
                        case PrintJobEvent { State: PrintJobState.Printing } when firstPrinting == 0:
                            firstPrinting = Stopwatch.GetTimestamp();
                            break;
                        case PrintJobEvent { State: PrintJobState.Completed } when Interlocked.Increment(ref completed) == jobs:
                            allDone.TrySetResult();
                            break;
                    }
                };
                printer.Start();
                await ready.Task.WaitAsync(TimeSpan.FromSeconds(10));
                var receipt = Sample();
                for (var i = 0; i < jobs; i++)
                {
                    printer.Print(receipt);
                }

                await allDone.Task.WaitAsync(TimeSpan.FromMinutes(3));
                var seconds = Stopwatch.GetElapsedTime(firstPrinting).TotalSeconds;
                printer.Stop();
                var bytes = (long)receipt.Bytes.Length * jobs;
                var baseline = RawSeconds(sim, baud, receipt.Bytes, jobs);
                var lineRate = baud / 10.0;
                Console.WriteLine($"printer throughput at {baud} baud: {jobs} receipts x {receipt.Bytes.Length} bytes: driver {seconds:0.000} s = {bytes / seconds:0} bytes/s " +
                    $"({bytes / seconds / lineRate:P1} of the {lineRate:0} bytes/s line rate); raw writes to the simulator {baseline:0.000} s = {bytes / baseline:0} bytes/s " +
                    $"({bytes / baseline / lineRate:P1}); driver / raw = {baseline / seconds:P1}");
            }
            finally
            {
                Directory.Delete(dir, recursive: true);
            }
        }
    }

    /// <summary>Writes the jobs back to back on the pty with no driver and times the simulator taking them all in.</summary>
    private static double RawSeconds(Sim.SimulatedPrinter sim, int baud, byte[] job, int jobs)
    {
        using var link = DeviceTransports.Create(new TransportOptions { Path = sim.LinkPath!, Baud = baud });
        link.Open(CancellationToken.None);
        var target = sim.BytesReceived + ((long)job.Length * jobs);
        var start = Stopwatch.GetTimestamp();
        for (var i = 0; i < jobs; i++)
        {
            link.Write(job, TimeSpan.FromSeconds(30), CancellationToken.None);
        }

        // The simulator exposes no event per byte; a 1 ms poll of its counter is the baseline's resolution.
        while (sim.BytesReceived < target)
        {
            Thread.Sleep(1);
        }

        return Stopwatch.GetElapsedTime(start).TotalSeconds;
    }

    private static Receipt Sample()
    {
        var b = new ReceiptBuilder(PrinterProfile.Known["epson-80mm-cp866"])
            .Align(ReceiptAlignment.Center).DoubleSize().Line("Аптека №1").DoubleSize(false).Align(ReceiptAlignment.Left);
        for (var i = 1; i <= 25; i++)
        {
            b.Columns($"{i,2}. Товар номер {i} (упаковка)", ReceiptBuilder.Money(i * 12345));
        }

        return b.Rule().Bold().Columns("ИТОГО", ReceiptBuilder.Money(4012125)).Bold(false).Ean13("400638133393").Qr("https://example.org/r/1").Cut().Build();
    }
}
