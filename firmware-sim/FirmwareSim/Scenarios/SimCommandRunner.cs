using System.Globalization;
using System.Text;

namespace FirmwareSim.Scenarios;

/// <summary>A scenario step that did not hold (an expect that timed out, a device missing).</summary>
public sealed class ScenarioFailedException(string message, Exception? inner = null) : Exception(message, inner);

/// <summary>
/// Carries out <see cref="SimCommand"/>s against a scanner and/or a printer: for the interactive
/// prompt, for scenario files and for tests. Output for people goes to <paramref name="output"/>.
/// </summary>
public sealed class SimCommandRunner(SimulatedScanner? scanner, SimulatedPrinter? printer, TextWriter output, TimeProvider? time = null)
{
    private readonly TimeProvider _time = time ?? TimeProvider.System;
    private readonly Random _random = new(20240521);
    private readonly int _receiptBaseline = printer?.Receipts.LastOrDefault()?.Number ?? 0;

    /// <summary>Runs every command in order; stops at the first failure with the line number in the message.</summary>
    public async Task RunScenarioAsync(IReadOnlyList<SimCommand> commands, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(commands);
        foreach (var command in commands)
        {
            output.WriteLine($"[line {command.Line}] {Describe(command)}");
            try
            {
                await ExecuteAsync(command, cancellationToken).ConfigureAwait(false);
            }
            catch (Exception ex) when (ex is InvalidOperationException or TimeoutException or ArgumentException)
            {
                throw new ScenarioFailedException($"line {command.Line}: {ex.Message}", ex);
            }
        }
    }

    /// <summary>Carries out one command; false when it was quit.</summary>
    public async Task<bool> ExecuteAsync(SimCommand command, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(command);
        switch (command)
        {
            case ScanCommand scan:
                {
                    var written = await Scanner().ScanAsync(scan.Code, scan.Symbology, cancellationToken).ConfigureAwait(false);
                    output.WriteLine(written.Garbled
                        ? $"scanned {scan.Code}, but the client's baud differs: it received garbage"
                        : $"scanned {scan.Code}: {Visible(written.Frame)}");
                    break;
                }

            case PartialScanCommand partial:
                await Scanner().SendPartialAsync(partial.Code, partial.Bytes, partial.Symbology, cancellationToken).ConfigureAwait(false);
                output.WriteLine($"sent the first {partial.Bytes} bytes of {partial.Code}'s frame");
                break;
            case RawBytesCommand raw:
                {
                    var bytes = raw.Bytes ?? RandomBytes(raw.RandomCount);
                    if (raw.Device == DeviceTarget.Scanner)
                    {
                        await Scanner().SendRawAsync(bytes, cancellationToken).ConfigureAwait(false);
                    }
                    else
                    {
                        await Printer().SendRawAsync(bytes, cancellationToken).ConfigureAwait(false);
                    }

                    output.WriteLine($"sent {bytes.Length} bytes from the {raw.Device.ToString().ToLowerInvariant()}: {Convert.ToHexString(bytes.AsSpan(0, Math.Min(bytes.Length, 32)))}{(bytes.Length > 32 ? "..." : string.Empty)}");
                    break;
                }

            case SetFaultCommand fault:
                SetFault(fault);
                output.WriteLine($"printer: {Printer().Status}");
                break;
            case PaperOutAfterCommand after:
                Printer().PaperOutAfter(after.Bytes);
                output.WriteLine($"printer: paper runs out after {after.Bytes} more bytes");
                break;
            case CloseDrawerCommand:
                Printer().CloseDrawer();
                output.WriteLine($"printer: {Printer().Status}");
                break;
            case PlugCommand plug:
                Plug(plug);
                break;
            case LineCommand line:
                Line(line);
                break;
            case WaitCommand wait:
                await Task.Delay(wait.Duration, _time, cancellationToken).ConfigureAwait(false);
                break;
            case ExpectReceiptCommand expect:
                {
                    var receipt = await Printer()
                        .WaitForReceiptAsync(r => r.Number > _receiptBaseline && (expect.Number is null || r.Number == expect.Number) && r.Text.Contains(expect.Contains, StringComparison.Ordinal), cancellationToken)
                        .WaitAsync(expect.Within, _time, cancellationToken)
                        .ConfigureAwait(false);
                    output.WriteLine($"receipt {receipt.Number} contains \"{expect.Contains}\"");
                    break;
                }

            case ExpectStatusCommand expect:
                {
                    try
                    {
                        await Printer().WaitForStatusAsync(s => Matches(s, expect.Condition), cancellationToken)
                            .WaitAsync(expect.Within, _time, cancellationToken)
                            .ConfigureAwait(false);
                    }
                    catch (TimeoutException)
                    {
                        throw new TimeoutException($"printer status is '{Printer().Status}', not {expect.Condition} within {expect.Within.TotalSeconds:0.###} s");
                    }

                    output.WriteLine($"printer status {expect.Condition}");
                    break;
                }

            case InfoCommand info:
                return Info(info);
        }

        return true;
    }

    /// <summary>The frame as a person reads it: control bytes as \r, \n, \t or \xNN.</summary>
    private static string Visible(byte[] frame)
    {
        var sb = new StringBuilder();
        foreach (var b in frame)
        {
            sb.Append(b switch
            {
                0x0D => "\\r",
                0x0A => "\\n",
                0x09 => "\\t",
                < 0x20 or >= 0x7F => string.Create(CultureInfo.InvariantCulture, $"\\x{b:X2}"),
                _ => ((char)b).ToString(),
            });
        }

        return sb.ToString();
    }

    private static bool Matches(PrinterStatus status, StatusCondition condition) => condition switch
    {
        StatusCondition.Ready => !status.IsStopped && !status.PaperNearEnd,
        StatusCondition.NearEnd => status.PaperNearEnd,
        StatusCondition.PaperOut => status.PaperOut,
        StatusCondition.CoverOpen => status.CoverOpen,
        _ => status.Offline,
    };

    private void SetFault(SetFaultCommand fault)
    {
        var p = Printer();
        switch (fault.Fault)
        {
            case StatusCondition.NearEnd:
                p.SetPaperNearEnd(fault.On);
                break;
            case StatusCondition.PaperOut:
                p.SetPaperOut(fault.On);
                break;
            case StatusCondition.CoverOpen:
                p.SetCoverOpen(fault.On);
                break;
            case StatusCondition.Offline:
                p.SetOffline(fault.On);
                break;
        }
    }

    private void Plug(PlugCommand plug)
    {
        foreach (var (name, unplug, replug, path) in Devices(plug.Device))
        {
            if (plug.Plugged)
            {
                replug();
            }
            else
            {
                unplug();
            }

            output.WriteLine($"{name} {(plug.Plugged ? "replugged" : "unplugged")}: {path()}");
        }
    }

    private void Line(LineCommand line)
    {
        if (line.Device is DeviceTarget.Scanner or DeviceTarget.All && (scanner is not null || line.Device == DeviceTarget.Scanner))
        {
            ApplyLine(Scanner(), line);
        }

        if (line.Device is DeviceTarget.Printer or DeviceTarget.All && (printer is not null || line.Device == DeviceTarget.Printer))
        {
            var p = Printer();
            if (line.Slowdown is { } slowdown)
            {
                p.LineSlowdown = slowdown;
            }

            if (line.Stalled is { } stalled)
            {
                p.LineStalled = stalled;
            }

            output.WriteLine($"printer line: {LineText(p.LineSlowdown, p.LineStalled)}");
        }
    }

    private void ApplyLine(SimulatedScanner s, LineCommand line)
    {
        if (line.Slowdown is { } slowdown)
        {
            s.LineSlowdown = slowdown;
        }

        if (line.Stalled is { } stalled)
        {
            s.LineStalled = stalled;
        }

        output.WriteLine($"scanner line: {LineText(s.LineSlowdown, s.LineStalled)}");
    }

    private static string LineText(double slowdown, bool stalled) =>
        stalled ? "stalled" : slowdown > 1 ? string.Create(CultureInfo.InvariantCulture, $"{slowdown:0.##}x slower") : "normal";

    private IEnumerable<(string Name, Action Unplug, Action Replug, Func<string> Path)> Devices(DeviceTarget target)
    {
        if (target == DeviceTarget.Scanner || (target == DeviceTarget.All && scanner is not null))
        {
            var s = Scanner();
            yield return ("scanner", s.Unplug, s.Replug, () => s.DevicePath ?? $"{s.LinkPath} (gone)");
        }

        if (target == DeviceTarget.Printer || (target == DeviceTarget.All && printer is not null))
        {
            var p = Printer();
            yield return ("printer", p.Unplug, p.Replug, () => p.IsPlugged ? $"{p.LinkPath ?? "-"} {p.TcpEndPoint?.ToString() ?? string.Empty}".Trim() : $"{p.LinkPath ?? p.Name} (gone)");
        }
    }

    private bool Info(InfoCommand info)
    {
        switch (info.Name)
        {
            case "quit":
                return false;
            case "help":
                output.WriteLine(SimCommandParser.Help);
                break;
            case "status":
                WriteStatus();
                break;
            case "receipts":
                {
                    var receipts = Printer().Receipts;
                    if (receipts.Count == 0)
                    {
                        output.WriteLine("no receipts yet");
                    }

                    foreach (var r in receipts.TakeLast(info.Argument ?? 10))
                    {
                        var first = r.Text.Split('\n').Select(l => l.Trim()).FirstOrDefault(l => l.Length > 0) ?? "(blank)";
                        output.WriteLine($"#{r.Number} {r.CompletedAt:HH:mm:ss} {r.Cut.ToString().ToLowerInvariant()} cut{(r.Interrupted ? ", interrupted by paper out" : string.Empty)}: {first}  {r.HtmlPath ?? string.Empty}");
                    }

                    break;
                }

            case "show":
                {
                    var receipt = Printer().Receipts.FirstOrDefault(r => r.Number == info.Argument)
                        ?? throw new InvalidOperationException($"no receipt {info.Argument} (see 'receipts')");
                    output.Write(receipt.Text);
                    break;
                }

            case "diag":
                {
                    var diagnostics = Printer().Diagnostics;
                    if (diagnostics.Count == 0)
                    {
                        output.WriteLine("no unknown or malformed commands so far");
                    }

                    foreach (var d in diagnostics.TakeLast(20))
                    {
                        output.WriteLine($"{d.Connection} offset {d.Offset}: {d.Message}");
                    }

                    break;
                }
        }

        return true;
    }

    /// <summary>Writes the devices, their paths and the printer's sensors.</summary>
    public void WriteStatus()
    {
        if (scanner is not null)
        {
            output.WriteLine($"scanner: {scanner.LinkPath} -> {scanner.DevicePath ?? "(unplugged)"}, {scanner.Options.Baud} baud, line {LineText(scanner.LineSlowdown, scanner.LineStalled)}");
        }

        if (printer is not null)
        {
            var where = string.Join(", ", new[] { printer.LinkPath is { } l ? $"{l} -> {printer.DevicePath ?? "(unplugged)"}" : null, printer.TcpEndPoint is { } e ? $"tcp {e}" : null }.OfType<string>());
            output.WriteLine($"printer: {where}, {printer.Options.Baud} baud, line {LineText(printer.LineSlowdown, printer.LineStalled)}");
            output.WriteLine($"printer status: {printer.Status}; {printer.Receipts.Count} receipts, {printer.BytesReceived} bytes received, {printer.BytesBuffered} buffered");
        }
    }

    private byte[] RandomBytes(int count)
    {
        var bytes = new byte[count];
        _random.NextBytes(bytes);
        return bytes;
    }

    private SimulatedScanner Scanner() => scanner ?? throw new InvalidOperationException("there is no scanner in this session (start a lane or a scanner)");

    private SimulatedPrinter Printer() => printer ?? throw new InvalidOperationException("there is no printer in this session (start a lane or a printer)");

    private static string Describe(SimCommand command) => command switch
    {
        ScanCommand s => $"scan {s.Code}",
        WaitCommand w => $"wait {w.Duration.TotalMilliseconds:0} ms",
        ExpectReceiptCommand e => $"expect receipt {(e.Number is { } n ? n + " " : string.Empty)}contains \"{e.Contains}\"",
        ExpectStatusCommand e => $"expect status {e.Condition}",
        _ => command.GetType().Name.Replace("Command", string.Empty, StringComparison.Ordinal).ToLowerInvariant(),
    };
}
