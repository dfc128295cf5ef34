using System.Text;
using FirmwareSim.Control;
using Google.Protobuf;
using Grpc.Core;
using Grpc.Net.Client;
using PosAgent.Contracts.FirmwareSim.V1;
using PosAgent.Hosting;
using PosAgent.TestSupport;
using Device = PosAgent.Contracts.FirmwareSim.V1.Device;

namespace FirmwareSim.Tests;

public sealed class ControlApiTests : IAsyncLifetime
{
    private readonly TempDirectory _dir = new("fs-ctl-");
    private Lane _lane = null!;
    private ControlServer _server = null!;
    private GrpcChannel _channel = null!;
    private SimulatorControl.SimulatorControlClient _client = null!;

    public async Task InitializeAsync()
    {
        _lane = await Lane.StartAsync(new LaneOptions { Directory = _dir.Path });
        _server = await ControlServer.StartAsync(_dir.File("control.sock"), _lane.Scanner, _lane.Printer);
        _channel = GrpcChannels.ForUnixSocket(_dir.File("control.sock"));
        _client = new SimulatorControl.SimulatorControlClient(_channel);
    }

    private static CallOptions Bounded => new(deadline: DateTime.UtcNow.AddSeconds(15));

    [Fact]
    public async Task GetState_Lane_ReportsBothDevicesAndPaths()
    {
        var state = await _client.GetStateAsync(new GetStateRequest(), Bounded).ResponseAsync;

        Assert.Equal(_lane.Scanner.LinkPath, state.Scanner.LinkPath);
        Assert.StartsWith("/dev/pts/", state.Scanner.DevicePath);
        Assert.Equal(_lane.Printer.LinkPath, state.Printer.LinkPath);
        Assert.True(state.Printer.Plugged);
        Assert.Equal(9600, state.Printer.Baud);
        Assert.Equal($"unix:{_dir.File("control.sock")}", _server.Address);
    }

    [Fact]
    public async Task Scan_ThroughControlApi_ArrivesOnTheScannerLine()
    {
        using var port = new RawPort(_lane.Scanner.LinkPath, 9600);

        var reply = await _client.ScanAsync(new ScanRequest { Code = "96385074", Symbology = "ean8" }, Bounded).ResponseAsync;
        var partial = await _client.SendPartialScanAsync(new PartialScanRequest { Code = "4006381333931", Bytes = 4 }, Bounded).ResponseAsync;
        await _client.SendRawAsync(new SendRawRequest { Device = Device.Scanner, Data = ByteString.CopyFrom(0xFF, 0xFE) }, Bounded).ResponseAsync;

        Assert.Equal("96385074\r", reply.Frame.ToStringUtf8());
        Assert.Equal("4006", partial.Frame.ToStringUtf8());
        Assert.Equal(Encoding.Latin1.GetBytes("96385074\r4006\u00FF\u00FE"), await port.ReadAsync(15));
    }

    [Fact]
    public async Task SetPrinterFault_EachFault_StateAndDleEotAgree()
    {
        using var port = new RawPort(_lane.Printer.LinkPath!, 9600);

        await _client.SetPrinterFaultAsync(new SetPrinterFaultRequest { Fault = PrinterFault.PaperNearEnd, On = true }, Bounded).ResponseAsync;
        await _client.SetPrinterFaultAsync(new SetPrinterFaultRequest { Fault = PrinterFault.CoverOpen, On = true }, Bounded).ResponseAsync;
        var state = await _client.SetPrinterFaultAsync(new SetPrinterFaultRequest { Fault = PrinterFault.Offline, On = true }, Bounded).ResponseAsync;
        port.Write([0x10, 0x04, 0x01, 0x10, 0x04, 0x02, 0x10, 0x04, 0x04]);

        Assert.True(state.Printer.PaperNearEnd && state.Printer.CoverOpen && state.Printer.Offline);
        Assert.Equal([0x1A, 0x16, 0x1E], await port.ReadAsync(3));
        state = await _client.SetPrinterFaultAsync(new SetPrinterFaultRequest { Fault = PrinterFault.PaperOut, On = true }, Bounded).ResponseAsync;
        Assert.True(state.Printer.PaperOut);
    }

    [Fact]
    public async Task PaperOutAfterAndWaitForReceipt_MidReceiptThenCompleted()
    {
        using var port = new RawPort(_lane.Printer.LinkPath!, 9600);
        await _client.PaperOutAfterAsync(new PaperOutAfterRequest { Bytes = 30 }, Bounded).ResponseAsync;
        var waiting = _client.WaitForReceiptAsync(new WaitForReceiptRequest { Number = 1, Contains = "CONTROL" }, Bounded).ResponseAsync;

        port.Write(Bytes.SampleReceipt("CONTROL"));
        await _lane.Printer.WaitForStatusAsync(s => s.PaperOut).WithTimeout();
        var state = await _client.GetStateAsync(new GetStateRequest(), Bounded).ResponseAsync;
        Assert.Equal(30, state.Printer.BytesPrinted);
        await _client.SetPrinterFaultAsync(new SetPrinterFaultRequest { Fault = PrinterFault.PaperOut, On = false }, Bounded).ResponseAsync;

        var receipt = await waiting;
        Assert.True(receipt.Interrupted);
        Assert.Equal("full", receipt.Cut);
        Assert.Contains(receipt.Codes, c => c.Data == "4006381333931");
        var list = await _client.ListReceiptsAsync(new ListReceiptsRequest { IncludeHtml = true }, Bounded).ResponseAsync;
        Assert.Contains("CONTROL", Assert.Single(list.Receipts).Html);
    }

    [Fact]
    public async Task SetPluggedAndSetLine_ChangeTheDevices()
    {
        var state = await _client.SetPluggedAsync(new SetPluggedRequest { Device = Device.All, Plugged = false }, Bounded).ResponseAsync;
        Assert.False(state.Scanner.Plugged);
        Assert.False(state.Printer.Plugged);
        Assert.False(Path.Exists(_lane.Scanner.LinkPath));

        state = await _client.SetPluggedAsync(new SetPluggedRequest { Device = Device.All, Plugged = true }, Bounded).ResponseAsync;
        Assert.True(state.Scanner.Plugged && state.Printer.Plugged);
        state = await _client.SetLineAsync(new SetLineRequest { Device = Device.Printer, Slowdown = 4, Stalled = true }, Bounded).ResponseAsync;
        Assert.Equal(4, state.Printer.LineSlowdown);
        Assert.True(state.Printer.LineStalled);
        state = await _client.SetLineAsync(new SetLineRequest { Device = Device.Printer, Stalled = false }, Bounded).ResponseAsync;
        Assert.False(state.Printer.LineStalled);
        Assert.Equal(4, state.Printer.LineSlowdown);
        state = await _client.CloseDrawerAsync(new CloseDrawerRequest(), Bounded).ResponseAsync;
        Assert.False(state.Printer.DrawerOpen);
    }

    [Theory]
    [InlineData("", "ean13", StatusCode.InvalidArgument, "code: must not be empty")]
    [InlineData("123", "morse", StatusCode.InvalidArgument, "symbology: unknown 'morse'")]
    public async Task Scan_BadRequest_InvalidArgumentNamingTheField(string code, string symbology, StatusCode expected, string message)
    {
        var error = await Assert.ThrowsAsync<RpcException>(() => _client.ScanAsync(new ScanRequest { Code = code, Symbology = symbology }, Bounded).ResponseAsync);

        Assert.Equal(expected, error.StatusCode);
        Assert.StartsWith(message, error.Status.Detail);
    }

    [Fact]
    public async Task Scan_Unplugged_FailedPrecondition()
    {
        _lane.Scanner.Unplug();

        var error = await Assert.ThrowsAsync<RpcException>(() => _client.ScanAsync(new ScanRequest { Code = "1" }, Bounded).ResponseAsync);

        Assert.Equal(StatusCode.FailedPrecondition, error.StatusCode);
        Assert.Contains("unplugged", error.Status.Detail);
    }

    [Fact]
    public async Task SetBaudMismatch_Scanner_FramesArriveGarbledUntilCleared()
    {
        using var port = new RawPort(_lane.Scanner.LinkPath, 9600);

        var state = await _client.SetBaudMismatchAsync(new SetBaudMismatchRequest { Device = Device.Scanner, On = true }, Bounded).ResponseAsync;
        var garbled = await _client.ScanAsync(new ScanRequest { Code = "96385074", Symbology = "ean8" }, Bounded).ResponseAsync;
        Assert.True(state.Scanner.BaudMismatch);
        Assert.False(state.Printer.BaudMismatch);
        Assert.True(garbled.Garbled);
        Assert.Equal(garbled.Frame.ToByteArray(), await port.ReadAsync(garbled.Frame.Length));
        Assert.NotEqual("96385074\r", garbled.Frame.ToStringUtf8());

        state = await _client.SetBaudMismatchAsync(new SetBaudMismatchRequest { Device = Device.All, On = false }, Bounded).ResponseAsync;
        var clean = await _client.ScanAsync(new ScanRequest { Code = "96385074", Symbology = "ean8" }, Bounded).ResponseAsync;
        Assert.False(state.Scanner.BaudMismatch);
        Assert.False(clean.Garbled);
        Assert.Equal("96385074\r"u8.ToArray(), await port.ReadAsync(9));
        Assert.Equal("9600 8N1, suffix CR, default EAN-13", state.Scanner.Line);
        Assert.StartsWith("9600 8N1, 48 columns", state.Printer.Line, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Receipts_KeepTheRawBytesOfEachReceipt_SplitAtTheCut()
    {
        using var port = new RawPort(_lane.Printer.LinkPath!, 9600);
        byte[] first = [0x1B, 0x40, .. "FIRST"u8, 0x0A, 0x1D, 0x56, 0x00];
        byte[] second = [.. "SECOND"u8, 0x0A, 0x1B, 0x69];
        port.Write([.. first, .. second]);

        var one = await _lane.Printer.WaitForReceiptAsync(1).WithTimeout();
        var two = await _lane.Printer.WaitForReceiptAsync(2).WithTimeout();

        Assert.Equal(first, one.RawBytes.ToArray());
        Assert.Equal(second, two.RawBytes.ToArray());
    }

    public async Task DisposeAsync()
    {
        _channel.Dispose();
        await _server.DisposeAsync();
        await _lane.DisposeAsync();
        _dir.Dispose();
    }
}
