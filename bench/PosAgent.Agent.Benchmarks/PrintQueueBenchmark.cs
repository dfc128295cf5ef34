using System.Diagnostics;
using System.Globalization;
using PosAgent.Contracts.PosAgent.V1;
using Sim = FirmwareSim;

namespace PosAgent.Agent.Benchmarks;

/// <summary>
/// Does a receipt being printed hold up the next checkout? An agent (in-process, offline, Persian
/// receipts) with its printer on firmware-sim's pty at 115200 baud. Commit latency (cash sale, one
/// line; only the Commit call is timed) is measured idle, then while a long Persian raster receipt
/// is on the wire (from the commit that queued it until the simulator has the whole receipt), then
/// idle again, all in one run; the ratio is the printing median over the idle medians'.
/// </summary>
internal static class PrintQueueBenchmark
{
    public static async Task<int> RunAsync(string[] args)
    {
        var idleCount = int.Parse(BenchSupport.Arg(args, "--idle", "200"), CultureInfo.InvariantCulture);
        var items = int.Parse(BenchSupport.Arg(args, "--items", "18"), CultureInfo.InvariantCulture);
        var dir = Directory.CreateTempSubdirectory("pa-bench-printq-").FullName;
        try
        {
            await using var sim = Sim.SimulatedPrinter.Start(new Sim.PrinterOptions { LinkPath = Path.Combine(dir, "printer"), Baud = 115200, CharsPerLine = 48 });
            var options = new AgentOptions { DataDirectory = Path.Combine(dir, "agent"), ProgramsDirectory = BenchSupport.Programs };
            options.Devices.PrinterPath = sim.LinkPath;
            options.Devices.PrinterBaud = 115200;
            options.Devices.PrinterProfile = "epson-80mm-wpc1251";
            options.Devices.ReceiptLanguage = "fa";
            options.Devices.ReceiptHeader = "داروخانه سبز";
            options.Devices.StoreAddress = "تهران، خیابان ولیعصر، پلاک ۱۲";
            await using var agent = await AgentHost.StartAsync(options);
            using var client = LocalApiClient.ForUnixSocket(agent.SocketPath!);

            await Commits(client, 30, stop: null); // warm-up
            var idleBefore = await Commits(client, idleCount, stop: null);

            // Two receipts, each a sale of many Persian lines (two raster rows per item, plus header, total
            // and payment): the first commit pays the process's first shaping and drawing (fonts, ICU,
            // HarfBuzz loaded), the second, queued behind it while it prints, is the steady cost.
            var queueing = new List<double>();
            for (var r = 0; r < 2; r++)
            {
                var check = await client.OpenCheckAsync(new OpenCheckRequest());
                for (var i = 1; i <= items; i++)
                {
                    check = await client.AddLineAsync(new AddLineRequest { CheckId = check.CheckId, Name = $"داروی شماره {i}، بسته بیست عددی", Category = "medical", UnitPriceMinor = 125_000 + i, Quantity = 1 });
                }

                var queuedStart = Stopwatch.GetTimestamp();
                var sale = await client.CommitAsync(new CommitRequest { CheckId = check.CheckId, Payment = new PaymentSplit { CashMinor = check.TotalMinor }, PrintReceipt = true });
                queueing.Add(BenchSupport.ElapsedMicroseconds(queuedStart));
                if (string.IsNullOrEmpty(sale.PrintJobId))
                {
                    throw new InvalidOperationException("the sale's receipt was not queued");
                }
            }

            var printingStart = Stopwatch.GetTimestamp();
            var printed = sim.WaitForReceiptAsync(2);
            var during = await Commits(client, 100_000, stop: printed);
            var printSeconds = Stopwatch.GetElapsedTime(printingStart).TotalSeconds;
            var receipt = await printed;
            var idleAfter = await Commits(client, idleCount, stop: null);

            var bytes = receipt.RawBytes.Length;
            Console.WriteLine(string.Create(CultureInfo.InvariantCulture,
                $"each receipt: {receipt.Images.Count} raster lines, {bytes:N0} bytes ({bytes * 10.0 / 115200:F2} s on the wire at 115200 baud); commits that queued them (compose, shape, draw, queue): first in the process {queueing[0] / 1000:F1} ms, second {queueing[1] / 1000:F1} ms; the second was printed {printSeconds:F2} s after it was queued"));
            Console.WriteLine("| Commit latency              | Samples |  p50 ms  |  p90 ms  |  p99 ms  |");
            Console.WriteLine("|------------------------------|--------:|---------:|---------:|---------:|");
            Console.WriteLine(BenchSupport.Percentiles("idle (before)", [.. idleBefore]));
            Console.WriteLine(BenchSupport.Percentiles("while receipts print", [.. during]));
            Console.WriteLine(BenchSupport.Percentiles("idle (after)", [.. idleAfter]));
            var idle = (Median(idleBefore) + Median(idleAfter)) / 2;
            Console.WriteLine(string.Create(CultureInfo.InvariantCulture, $"printing / idle p50 = {Median(during) / idle:F2}x (idle p50 {idle / 1000:F3} ms = mean of before and after)"));
            return during.Count >= 20 ? 0 : 1;
        }
        finally
        {
            Directory.Delete(dir, recursive: true);
        }
    }

    /// <summary>Cash sales of one line, timing only Commit: <paramref name="count"/> of them, or until <paramref name="stop"/> completes.</summary>
    private static async Task<List<double>> Commits(LocalApiClient client, int count, Task? stop)
    {
        var samples = new List<double>();
        while (samples.Count < count && stop?.IsCompleted != true)
        {
            var check = await client.OpenCheckAsync(new OpenCheckRequest());
            check = await client.AddLineAsync(new AddLineRequest { CheckId = check.CheckId, Name = "Item", Category = "medical", UnitPriceMinor = 150_000, Quantity = 1 });
            var start = Stopwatch.GetTimestamp();
            await client.CommitAsync(new CommitRequest { CheckId = check.CheckId, Payment = new PaymentSplit { CashMinor = 150_000 } });
            if (stop?.IsCompleted != true)
            {
                samples.Add(BenchSupport.ElapsedMicroseconds(start));
            }
        }

        return samples;
    }

    private static double Median(List<double> samples)
    {
        var sorted = samples.Order().ToList();
        return sorted[sorted.Count / 2];
    }
}
