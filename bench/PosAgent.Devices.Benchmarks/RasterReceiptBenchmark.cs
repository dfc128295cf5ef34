using System.Diagnostics;
using System.Globalization;
using PosAgent.Devices.Printing;
using PosAgent.Devices.Transports;
using Sim = FirmwareSim;

namespace PosAgent.Devices.Benchmarks;

/// <summary>
/// A Persian receipt of 40 raster lines (ICU bidi, HarfBuzz shaping, Skia drawing at 576 dots, sent
/// as GS v 0 or GS ( L): the time to build it (all 40 lines shaped and drawn, median of repeated
/// builds) against its time on the wire at 115200 baud (bytes x 10 bits / baud), the share of line
/// time the build costs; then the time to send it through the driver into firmware-sim on a pty
/// (Printing to Completed events, status polls included), which decodes every image.
/// </summary>
internal static class RasterReceiptBenchmark
{
    private const int Baud = 115200;

    public static async Task RunAsync(int lines, int builds)
    {
        Console.WriteLine($"| Profile (command) | Lines | Bytes | Build median | Build p90 | Wire time at {Baud} | Build / wire | Send (driver to simulator) | Send / wire |");
        Console.WriteLine("|---|---:|---:|---:|---:|---:|---:|---:|---:|");
        foreach (var name in new[] { "epson-80mm-wpc1251", "epson-80mm-gsl-wpc1251" })
        {
            var profile = PrinterProfile.Known[name];
            for (var i = 0; i < 3; i++)
            {
                Build(profile, lines); // warm-up: fonts loaded, shaper and ICU initialised, JIT done
            }

            var times = new List<double>(builds);
            Receipt receipt = null!;
            for (var i = 0; i < builds; i++)
            {
                var start = Stopwatch.GetTimestamp();
                receipt = Build(profile, lines);
                times.Add(Stopwatch.GetElapsedTime(start).TotalMilliseconds);
            }

            if (receipt.RasterImages != lines)
            {
                throw new InvalidOperationException($"{receipt.RasterImages} raster images for {lines} Persian lines");
            }

            times.Sort();
            var median = times[times.Count / 2];
            var p90 = times[Math.Min(times.Count - 1, (int)Math.Ceiling(0.9 * times.Count) - 1)];
            var wire = receipt.Bytes.Length * 10.0 / Baud * 1000;
            var (send, images, held) = await SendAsync(profile, receipt);
            var note = images == lines && held == 0 ? string.Empty : $" (interrupted {held}x and reprinted: the simulator decoded {images} images)";

            Console.WriteLine(string.Create(CultureInfo.InvariantCulture,
                $"| {name} ({profile.RasterCommand}) | {lines} | {receipt.Bytes.Length:N0} | {median:F1} ms | {p90:F1} ms | {wire:F0} ms | {median / wire:P1} | {send:F0} ms{note} | {send / wire:P1} |"));
        }
    }

    private static Receipt Build(PrinterProfile profile, int lines)
    {
        var b = new ReceiptBuilder(profile);
        for (var i = 1; i <= lines; i++)
        {
            b.Line(string.Create(CultureInfo.InvariantCulture, $"{i}. داروی شماره {i}، بسته بیست عددی — ۱۲۵٬۰۰۰ ریال"));
        }

        return b.Cut().Build();
    }

    /// <summary>
    /// Prints through the driver into the simulator; milliseconds from the first Printing to Completed,
    /// the images the simulator decoded, and how often the job was held (interrupted, then reprinted
    /// as a copy: on a heavily loaded machine a status answer can come too late).
    /// </summary>
    private static async Task<(double Milliseconds, int Images, int Held)> SendAsync(PrinterProfile profile, Receipt receipt)
    {
        var dir = Directory.CreateTempSubdirectory("pa-bench-raster-").FullName;
        try
        {
            await using var sim = Sim.SimulatedPrinter.Start(new Sim.PrinterOptions { LinkPath = Path.Combine(dir, "printer"), Baud = Baud, CharsPerLine = 48 });
            using var printer = new ReceiptPrinter(new PrinterOptions
            {
                Transport = new TransportOptions { Path = sim.LinkPath!, Baud = Baud },
                Profile = profile,
                QueuePath = Path.Combine(dir, "queue.db"),
            });
            var ready = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
            var done = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
            long printing = 0;
            var held = 0;
            printer.EventRaised += (_, e) =>
            {
                switch (e)
                {
                    case PrinterStatusEvent { Status.IsReady: true }:
                        ready.TrySetResult();
                        break;
                    case PrintJobEvent { State: PrintJobState.Printing }:
                        Interlocked.CompareExchange(ref printing, Stopwatch.GetTimestamp(), 0);
                        break;
                    case PrintJobEvent { State: PrintJobState.Held }:
                        Interlocked.Increment(ref held);
                        break;
                    case PrintJobEvent { State: PrintJobState.Completed }:
                        done.TrySetResult();
                        break;
                }
            };
            printer.Start();
            await ready.Task.WaitAsync(TimeSpan.FromSeconds(30));
            printer.Print(receipt);
            await done.Task.WaitAsync(TimeSpan.FromMinutes(2));
            var ms = Stopwatch.GetElapsedTime(Interlocked.Read(ref printing)).TotalMilliseconds;
            var printed = await sim.WaitForReceiptAsync(1).WaitAsync(TimeSpan.FromSeconds(30));
            printer.Stop();
            return (ms, printed.Images.Count, held);
        }
        finally
        {
            Directory.Delete(dir, recursive: true);
        }
    }
}
