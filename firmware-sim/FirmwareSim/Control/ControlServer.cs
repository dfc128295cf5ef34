using FirmwareSim.Scenarios;
using Google.Protobuf;
using Google.Protobuf.WellKnownTypes;
using Grpc.Core;
using Grpc.Health.V1;
using Grpc.HealthCheck;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Hosting;
using Microsoft.AspNetCore.Hosting.Server;
using Microsoft.AspNetCore.Hosting.Server.Features;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging;
using PosAgent.Contracts.FirmwareSim.V1;
using PosAgent.Hosting;
using Device = PosAgent.Contracts.FirmwareSim.V1.Device;
using ProtoPrintedCode = PosAgent.Contracts.FirmwareSim.V1.PrintedCode;

namespace FirmwareSim.Control;

/// <summary>
/// The gRPC control API (firmwaresim.v1.SimulatorControl) on a Unix socket or a loopback TCP port,
/// served with grpc-dotnet, with grpc.health.v1 beside it.
/// </summary>
public sealed class ControlServer : IAsyncDisposable
{
    private readonly WebApplication _app;

    private ControlServer(WebApplication app, string address)
    {
        _app = app;
        Address = address;
    }

    /// <summary>Where clients connect: "unix:/path" or "http://127.0.0.1:PORT".</summary>
    public string Address { get; }

    /// <summary>
    /// Starts serving. <paramref name="endpoint"/> is a Unix socket path, or a TCP port number on
    /// 127.0.0.1 (0 = any free port).
    /// </summary>
    public static async Task<ControlServer> StartAsync(string endpoint, SimulatedScanner? scanner, SimulatedPrinter? printer, ILoggerFactory? loggers = null, CancellationToken cancellationToken = default)
    {
        ArgumentException.ThrowIfNullOrWhiteSpace(endpoint);
        var isPort = int.TryParse(endpoint, System.Globalization.NumberStyles.None, System.Globalization.CultureInfo.InvariantCulture, out var port);
        if (isPort && port > 65535)
        {
            throw new ArgumentException($"Control port {port} is outside 0-65535.", nameof(endpoint));
        }

        var builder = WebApplication.CreateSlimBuilder();
        builder.Logging.ClearProviders();
        if (loggers is not null)
        {
            builder.Services.AddSingleton(loggers);
        }

        builder.WebHost.ConfigureKestrel(k =>
        {
            if (isPort)
            {
                k.ListenGrpcLoopback(port);
            }
            else
            {
                k.ListenGrpcUnixSocket(Path.GetFullPath(endpoint));
            }
        });
        builder.Services.AddGrpc();
        builder.Services.AddSingleton(new ControlGrpcService(new ControlService(scanner, printer)));
        builder.Services.AddSingleton<HealthServiceImpl>();
        var app = builder.Build();
        app.MapGrpcService<ControlGrpcService>();
        app.MapGrpcService<HealthServiceImpl>();
        var health = app.Services.GetRequiredService<HealthServiceImpl>();
        health.SetStatus(string.Empty, HealthCheckResponse.Types.ServingStatus.Serving);
        health.SetStatus("firmwaresim.v1.SimulatorControl", HealthCheckResponse.Types.ServingStatus.Serving);
        await app.StartAsync(cancellationToken).ConfigureAwait(false);
        var address = isPort
            ? app.Services.GetRequiredService<IServer>().Features.Get<IServerAddressesFeature>()!.Addresses.First()
            : "unix:" + Path.GetFullPath(endpoint);
        return new ControlServer(app, address);
    }

    /// <summary>firmwaresim.v1.SimulatorControl on grpc-dotnet's generated base.</summary>
    private sealed class ControlGrpcService(ControlService s) : SimulatorControl.SimulatorControlBase
    {
        public override Task<SimulatorState> GetState(GetStateRequest request, ServerCallContext context) => Task.FromResult(s.State());

        public override Task<ScanReply> Scan(ScanRequest request, ServerCallContext context) => s.ScanAsync(request, context.CancellationToken);

        public override Task<ScanReply> SendPartialScan(PartialScanRequest request, ServerCallContext context) => s.PartialAsync(request, context.CancellationToken);

        public override Task<SimulatorState> SendRaw(SendRawRequest request, ServerCallContext context) => s.RawAsync(request, context.CancellationToken);

        public override Task<SimulatorState> SetPrinterFault(SetPrinterFaultRequest request, ServerCallContext context) => Task.FromResult(s.Fault(request));

        public override Task<SimulatorState> PaperOutAfter(PaperOutAfterRequest request, ServerCallContext context) => Task.FromResult(s.PaperOutAfter(request));

        public override Task<SimulatorState> CloseDrawer(CloseDrawerRequest request, ServerCallContext context) => Task.FromResult(s.CloseDrawer());

        public override Task<SimulatorState> SetPlugged(SetPluggedRequest request, ServerCallContext context) => Task.FromResult(s.Plug(request));

        public override Task<SimulatorState> SetLine(SetLineRequest request, ServerCallContext context) => Task.FromResult(s.Line(request));

        public override Task<SimulatorState> SetBaudMismatch(SetBaudMismatchRequest request, ServerCallContext context) => Task.FromResult(s.BaudMismatch(request));

        public override Task<ListReceiptsReply> ListReceipts(ListReceiptsRequest request, ServerCallContext context) => Task.FromResult(s.Receipts(request));

        public override Task<ReceiptInfo> WaitForReceipt(WaitForReceiptRequest request, ServerCallContext context) => s.WaitForReceiptAsync(request, context.CancellationToken);
    }

    /// <summary>Stops serving (the devices keep running).</summary>
    public async ValueTask DisposeAsync()
    {
        await _app.StopAsync().ConfigureAwait(false);
        await _app.DisposeAsync().ConfigureAwait(false);
    }
}
