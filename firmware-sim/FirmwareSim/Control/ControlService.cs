using Google.Protobuf;
using Google.Protobuf.WellKnownTypes;
using Grpc.Core;
using PosAgent.Contracts.FirmwareSim.V1;
using Device = PosAgent.Contracts.FirmwareSim.V1.Device;
using ProtoPrintedCode = PosAgent.Contracts.FirmwareSim.V1.PrintedCode;

namespace FirmwareSim.Control;

/// <summary>
/// The control API's handlers, shared by the gRPC service and the web console: validation failures
/// are INVALID_ARGUMENT naming the field; a missing or unplugged device is FAILED_PRECONDITION.
/// </summary>
internal sealed class ControlService(SimulatedScanner? scanner, SimulatedPrinter? printer)
{
    public SimulatorState State()
    {
        var state = new SimulatorState();
        if (scanner is not null)
        {
            state.Scanner = new ScannerState
            {
                Name = scanner.Name,
                LinkPath = scanner.LinkPath,
                DevicePath = scanner.DevicePath ?? string.Empty,
                Plugged = scanner.IsPlugged,
                Baud = scanner.Options.Baud,
                LineSlowdown = scanner.LineSlowdown,
                LineStalled = scanner.LineStalled,
                BaudMismatch = scanner.BaudMismatch,
                Line = LineSettings.Describe(scanner.Options),
            };
        }

        if (printer is not null)
        {
            var status = printer.Status;
            var p = new PrinterState
            {
                Name = printer.Name,
                LinkPath = printer.LinkPath ?? string.Empty,
                DevicePath = printer.DevicePath ?? string.Empty,
                TcpEndpoint = printer.IsPlugged ? printer.TcpEndPoint?.ToString() ?? string.Empty : string.Empty,
                Plugged = printer.IsPlugged,
                Baud = printer.Options.Baud,
                PaperNearEnd = status.PaperNearEnd,
                PaperOut = status.PaperOut,
                CoverOpen = status.CoverOpen,
                Offline = status.Offline,
                DrawerOpen = status.DrawerOpen,
                Receipts = printer.Receipts.LastOrDefault()?.Number ?? 0,
                BytesReceived = printer.BytesReceived,
                BytesPrinted = printer.BytesPrinted,
                BytesBuffered = printer.BytesBuffered,
                LineSlowdown = printer.LineSlowdown,
                LineStalled = printer.LineStalled,
                DrawerKicks = printer.DrawerKicks,
                BaudMismatch = printer.BaudMismatch,
                Line = LineSettings.Describe(printer.Options),
            };
            p.RecentDiagnostics.AddRange(printer.Diagnostics.TakeLast(20).Select(d => new Diagnostic { Connection = d.Connection, Offset = d.Offset, Message = d.Message }));
            state.Printer = p;
        }

        return state;
    }

    public async Task<ScanReply> ScanAsync(ScanRequest request, CancellationToken cancellationToken)
    {
        Require(request.Code.Length > 0, "code: must not be empty");
        var symbology = ParseSymbology(request.Symbology);
        var written = await Guard(() => Scanner().ScanAsync(request.Code, symbology, cancellationToken)).ConfigureAwait(false);
        return new ScanReply { Frame = ByteString.CopyFrom(written.Frame), Garbled = written.Garbled };
    }

    public async Task<ScanReply> PartialAsync(PartialScanRequest request, CancellationToken cancellationToken)
    {
        Require(request.Code.Length > 0, "code: must not be empty");
        Require(request.Bytes > 0, "bytes: must be at least 1");
        var symbology = ParseSymbology(request.Symbology);
        var written = await Guard(() => Scanner().SendPartialAsync(request.Code, request.Bytes, symbology, cancellationToken)).ConfigureAwait(false);
        return new ScanReply { Frame = ByteString.CopyFrom(written.Frame), Garbled = written.Garbled };
    }

    public async Task<SimulatorState> RawAsync(SendRawRequest request, CancellationToken cancellationToken)
    {
        Require(request.Device is Device.Scanner or Device.Printer, "device: must be DEVICE_SCANNER or DEVICE_PRINTER");
        Require(request.Data.Length > 0 || request.RandomCount is > 0 and <= 65536, "data: give bytes, or random_count from 1 to 65536");
        var bytes = request.Data.Length > 0 ? request.Data.ToByteArray() : RandomBytes(request.RandomCount);
        if (request.Device == Device.Scanner)
        {
            await Guard(() => Scanner().SendRawAsync(bytes, cancellationToken)).ConfigureAwait(false);
        }
        else
        {
            await Guard(async () =>
            {
                await Printer().SendRawAsync(bytes, cancellationToken).ConfigureAwait(false);
                return true;
            }).ConfigureAwait(false);
        }

        return State();
    }

    public SimulatorState Fault(SetPrinterFaultRequest request)
    {
        var p = Printer();
        switch (request.Fault)
        {
            case PrinterFault.PaperNearEnd:
                p.SetPaperNearEnd(request.On);
                break;
            case PrinterFault.PaperOut:
                p.SetPaperOut(request.On);
                break;
            case PrinterFault.CoverOpen:
                p.SetCoverOpen(request.On);
                break;
            case PrinterFault.Offline:
                p.SetOffline(request.On);
                break;
            default:
                throw new RpcException(new Status(StatusCode.InvalidArgument, "fault: must be one of PRINTER_FAULT_PAPER_NEAR_END, _PAPER_OUT, _COVER_OPEN, _OFFLINE"));
        }

        return State();
    }

    public SimulatorState PaperOutAfter(PaperOutAfterRequest request)
    {
        Require(request.Bytes >= 0, "bytes: must not be negative");
        Printer().PaperOutAfter(request.Bytes);
        return State();
    }

    public SimulatorState CloseDrawer()
    {
        Printer().CloseDrawer();
        return State();
    }

    public SimulatorState Plug(SetPluggedRequest request)
    {
        ForDevices(
            request.Device,
            s => (request.Plugged ? (Action)s.Replug : s.Unplug)(),
            p => (request.Plugged ? (Action)p.Replug : p.Unplug)());
        return State();
    }

    public SimulatorState Line(SetLineRequest request)
    {
        Require(request.Slowdown == 0 || request.Slowdown is >= 1 and <= 10000, "slowdown: must be 0 (unchanged) or from 1 to 10000");
        ForDevices(
            request.Device,
            s =>
            {
                s.LineSlowdown = request.Slowdown >= 1 ? request.Slowdown : s.LineSlowdown;
                s.LineStalled = request.HasStalled ? request.Stalled : s.LineStalled;
            },
            p =>
            {
                p.LineSlowdown = request.Slowdown >= 1 ? request.Slowdown : p.LineSlowdown;
                p.LineStalled = request.HasStalled ? request.Stalled : p.LineStalled;
            });
        return State();
    }

    public SimulatorState BaudMismatch(SetBaudMismatchRequest request)
    {
        ForDevices(request.Device, s => s.BaudMismatch = request.On, p => p.BaudMismatch = request.On);
        return State();
    }

    /// <summary>Applies to the device asked for; DEVICE_ALL applies to each device this simulator runs.</summary>
    private void ForDevices(Device device, Action<SimulatedScanner> onScanner, Action<SimulatedPrinter> onPrinter)
    {
        Require(device != Device.Unspecified, "device: must be set");
        if (device == Device.Scanner || (device == Device.All && scanner is not null))
        {
            onScanner(Scanner());
        }

        if (device == Device.Printer || (device == Device.All && printer is not null))
        {
            onPrinter(Printer());
        }
    }

    public ListReceiptsReply Receipts(ListReceiptsRequest request)
    {
        Require(request.Limit is >= 0 and <= 1000, "limit: must be from 0 (default 10) to 1000");
        var reply = new ListReceiptsReply();
        reply.Receipts.AddRange(Printer().Receipts.TakeLast(request.Limit == 0 ? 10 : request.Limit).Select(r => Info(r, request.IncludeHtml)));
        return reply;
    }

    public async Task<ReceiptInfo> WaitForReceiptAsync(WaitForReceiptRequest request, CancellationToken cancellationToken)
    {
        Require(request.Number >= 0, "number: must not be negative");
        var p = Printer();
        var after = p.Receipts.LastOrDefault()?.Number ?? 0;
        var receipt = await p.WaitForReceiptAsync(
            r => (request.Number == 0 ? r.Number > after : r.Number == request.Number)
                && (request.Contains.Length == 0 || r.Text.Contains(request.Contains, StringComparison.Ordinal)),
            cancellationToken).ConfigureAwait(false);
        return Info(receipt, includeHtml: false);
    }

    internal static ReceiptInfo Info(Receipt r, bool includeHtml)
    {
        var info = new ReceiptInfo
        {
            Number = r.Number,
            CompletedAt = Timestamp.FromDateTimeOffset(r.CompletedAt),
            Cut = r.Cut == CutKind.Full ? "full" : "partial",
            Text = r.Text,
            TextPath = r.TextPath ?? string.Empty,
            HtmlPath = r.HtmlPath ?? string.Empty,
            Interrupted = r.Interrupted,
            Html = includeHtml ? r.Html : string.Empty,
        };
        info.Codes.AddRange(r.Codes.Select(c => new ProtoPrintedCode { Symbology = c.Symbology.ToString(), Data = c.Data }));
        return info;
    }

    private static Symbology? ParseSymbology(string name)
    {
        if (name.Length == 0)
        {
            return null;
        }

        return SymbologyExtensions.TryParse(name, out var symbology)
            ? symbology
            : throw new RpcException(new Status(StatusCode.InvalidArgument, $"symbology: unknown '{name}'; use {SymbologyExtensions.Names}"));
    }

    private static async Task<T> Guard<T>(Func<Task<T>> action)
    {
        try
        {
            return await action().ConfigureAwait(false);
        }
        catch (InvalidOperationException ex)
        {
            throw new RpcException(new Status(StatusCode.FailedPrecondition, ex.Message));
        }
    }

    private static void Require(bool condition, string message)
    {
        if (!condition)
        {
            throw new RpcException(new Status(StatusCode.InvalidArgument, message));
        }
    }

    private static byte[] RandomBytes(int count)
    {
        var bytes = new byte[count];
        Random.Shared.NextBytes(bytes);
        return bytes;
    }

    private SimulatedScanner Scanner() => scanner ?? throw new RpcException(new Status(StatusCode.FailedPrecondition, "this simulator runs no scanner"));

    private SimulatedPrinter Printer() => printer ?? throw new RpcException(new Status(StatusCode.FailedPrecondition, "this simulator runs no printer"));
}
