using System.Globalization;
using System.Net;
using System.Text.Json;
using FirmwareSim.Control;
using Google.Protobuf;
using Grpc.Core;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Hosting;
using Microsoft.AspNetCore.Hosting.Server;
using Microsoft.AspNetCore.Hosting.Server.Features;
using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.Routing;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging;
using PosAgent.Contracts.FirmwareSim.V1;

namespace FirmwareSim.WebConsole;

/// <summary>
/// The lane's web console: one page showing the devices live (server-sent events), with the
/// control API's actions as buttons, scenarios and the printed receipts. Every asset is embedded
/// in the simulator (the terminal may be offline). Actions go through the same handlers as the
/// gRPC control API.
/// </summary>
public sealed class WebConsoleServer : IAsyncDisposable
{
    private readonly WebApplication _app;
    private readonly ConsoleEventHub _hub;
    private readonly ScenarioSession _scenarios;

    private WebConsoleServer(WebApplication app, ConsoleEventHub hub, ScenarioSession scenarios, Uri address)
    {
        _app = app;
        _hub = hub;
        _scenarios = scenarios;
        Address = address;
    }

    /// <summary>The page's address (without the token).</summary>
    public Uri Address { get; }

    /// <summary>Starts serving the console for <paramref name="scanner"/> and <paramref name="printer"/> (either may be null).</summary>
    public static async Task<WebConsoleServer> StartAsync(WebConsoleOptions options, SimulatedScanner? scanner, SimulatedPrinter? printer, ILoggerFactory? loggers = null, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(options);
        options.Validate();
        var builder = WebApplication.CreateSlimBuilder();
        builder.Logging.ClearProviders();
        if (loggers is not null)
        {
            builder.Services.AddSingleton(loggers);
        }

        builder.WebHost.ConfigureKestrel(k => k.Listen(options.Address, options.Port));
        builder.Services.AddRoutingCore();
        var app = builder.Build();
        var control = new ControlService(scanner, printer);
        var hub = new ConsoleEventHub(control, printer);
        var scenarios = new ScenarioSession(scanner, printer, hub);
        var access = new ConsoleAccess(options);
        app.Use(access.InvokeAsync);
        MapPages(app, options);
        MapApi(app, control, hub, scenarios, printer);
        try
        {
            await app.StartAsync(cancellationToken).ConfigureAwait(false);
        }
        catch
        {
            await scenarios.DisposeAsync().ConfigureAwait(false);
            await hub.DisposeAsync().ConfigureAwait(false);
            await app.DisposeAsync().ConfigureAwait(false);
            throw;
        }

        var bound = new Uri(app.Services.GetRequiredService<IServer>().Features.Get<IServerAddressesFeature>()!.Addresses.First());
        var host = IPAddress.IsLoopback(options.Address) ? "127.0.0.1" : bound.Host;
        return new WebConsoleServer(app, hub, scenarios, new Uri($"http://{(host.Contains(':', StringComparison.Ordinal) && !host.StartsWith('[') ? $"[{host}]" : host)}:{bound.Port.ToString(CultureInfo.InvariantCulture)}/"));
    }

    private static void MapPages(IEndpointRouteBuilder app, WebConsoleOptions options)
    {
        app.MapGet("/", context => ConsoleAssets.WriteAsync(context, "index.html"));
        app.MapGet("/assets/{name}", context => ConsoleAssets.WriteAsync(context, (string)context.Request.RouteValues["name"]!));
        app.MapGet("/api/info", context => WriteJsonAsync(context, JsonSerializer.Serialize(new
        {
            lane = options.LaneName,
            symbologies = SymbologyExtensions.Names.Split(", "),
            demoCodes = DemoCodes.All.Select(d => new { d.Label, d.Code, d.Symbology, Kind = d.Kind.ToString(), d.PartialBytes, d.RandomBytes }),
        }, JsonSerializerOptions.Web)));
    }

    private static void MapApi(IEndpointRouteBuilder app, ControlService control, ConsoleEventHub hub, ScenarioSession scenarios, SimulatedPrinter? printer)
    {
        app.MapGet("/api/state", context => WriteJsonAsync(context, hub.StateJson()));
        app.MapGet("/api/events", context => StreamEventsAsync(context, hub, control, printer));
        app.MapPost("/api/control/{method}", context => ControlAsync(context, control, hub));
        app.MapPost("/api/scenario", async context =>
        {
            using var reader = new StreamReader(context.Request.Body);
            var text = await reader.ReadToEndAsync(context.RequestAborted).ConfigureAwait(false);
            var name = context.Request.Query["name"].ToString() is { Length: > 0 } n ? Path.GetFileName(n) : "from the console";
            try
            {
                scenarios.Start(name, text);
                context.Response.StatusCode = StatusCodes.Status202Accepted;
            }
            catch (ScenarioRejectedException ex)
            {
                await WriteErrorAsync(context, ex.Busy ? StatusCodes.Status409Conflict : StatusCodes.Status400BadRequest, ex.Message).ConfigureAwait(false);
            }
        });
        app.MapPost("/api/scenario/stop", context =>
        {
            scenarios.Stop();
            context.Response.StatusCode = StatusCodes.Status202Accepted;
            return Task.CompletedTask;
        });
        app.MapGet("/receipts/{file}", context => ReceiptFiles.WriteAsync(context, printer, (string)context.Request.RouteValues["file"]!));
    }

    /// <summary>The gRPC methods by name, with their request parsed from JSON (proto3 JSON mapping).</summary>
    private static async Task ControlAsync(HttpContext context, ControlService control, ConsoleEventHub hub)
    {
        var method = (string)context.Request.RouteValues["method"]!;
        using var reader = new StreamReader(context.Request.Body);
        var body = await reader.ReadToEndAsync(context.RequestAborted).ConfigureAwait(false);
        if (body.Length == 0)
        {
            body = "{}";
        }

        var ct = context.RequestAborted;
        try
        {
            IMessage reply = method switch
            {
                "GetState" => control.State(),
                "Scan" => await control.ScanAsync(Parse<ScanRequest>(body), ct).ConfigureAwait(false),
                "SendPartialScan" => await control.PartialAsync(Parse<PartialScanRequest>(body), ct).ConfigureAwait(false),
                "SendRaw" => await control.RawAsync(Parse<SendRawRequest>(body), ct).ConfigureAwait(false),
                "SetPrinterFault" => control.Fault(Parse<SetPrinterFaultRequest>(body)),
                "PaperOutAfter" => control.PaperOutAfter(Parse<PaperOutAfterRequest>(body)),
                "CloseDrawer" => control.CloseDrawer(),
                "SetPlugged" => control.Plug(Parse<SetPluggedRequest>(body)),
                "SetLine" => control.Line(Parse<SetLineRequest>(body)),
                "SetBaudMismatch" => control.BaudMismatch(Parse<SetBaudMismatchRequest>(body)),
                "ListReceipts" => control.Receipts(Parse<ListReceiptsRequest>(body)),
                _ => throw new RpcException(new Status(StatusCode.Unimplemented, $"no control method '{method}'")),
            };
            hub.StateMayHaveChanged();
            await WriteJsonAsync(context, JsonFormatter.Default.Format(reply)).ConfigureAwait(false);
        }
        catch (RpcException ex)
        {
            var status = ex.StatusCode switch
            {
                StatusCode.InvalidArgument => StatusCodes.Status400BadRequest,
                StatusCode.FailedPrecondition => StatusCodes.Status409Conflict,
                StatusCode.Unimplemented => StatusCodes.Status404NotFound,
                _ => StatusCodes.Status500InternalServerError,
            };
            await WriteErrorAsync(context, status, ex.Status.Detail).ConfigureAwait(false);
        }
        catch (InvalidProtocolBufferException ex)
        {
            await WriteErrorAsync(context, StatusCodes.Status400BadRequest, $"{method}: {ex.Message}").ConfigureAwait(false);
        }
        catch (InvalidJsonException ex)
        {
            await WriteErrorAsync(context, StatusCodes.Status400BadRequest, $"{method}: {ex.Message}").ConfigureAwait(false);
        }
    }

    private static T Parse<T>(string json)
        where T : IMessage<T>, new() => JsonParser.Default.Parse<T>(json);

    /// <summary>
    /// Server-sent events: the state and the receipts so far at once, then every change. The page
    /// subscribes before the snapshot is taken, so nothing falls between the two (it drops repeats by number).
    /// </summary>
    private static async Task StreamEventsAsync(HttpContext context, ConsoleEventHub hub, ControlService control, SimulatedPrinter? printer)
    {
        var response = context.Response;
        response.ContentType = "text/event-stream; charset=utf-8";
        using var subscription = hub.Subscribe();
        var ct = context.RequestAborted;
        try
        {
            await WriteEventAsync(response, "state", hub.StateJson(), ct).ConfigureAwait(false);
            var receipts = printer is null
                ? "{}"
                : JsonFormatter.Default.Format(control.Receipts(new ListReceiptsRequest { Limit = 50 }));
            await WriteEventAsync(response, "receipts", receipts, ct).ConfigureAwait(false);
            await foreach (var e in subscription.Events.ReadAllAsync(ct).ConfigureAwait(false))
            {
                await WriteEventAsync(response, e.Name, e.Data, ct).ConfigureAwait(false);
            }
        }
        catch (OperationCanceledException)
        {
            // The page went away.
        }
    }

    private static async Task WriteEventAsync(HttpResponse response, string name, string json, CancellationToken cancellationToken)
    {
        await response.WriteAsync($"event: {name}\ndata: {json}\n\n", cancellationToken).ConfigureAwait(false);
        await response.Body.FlushAsync(cancellationToken).ConfigureAwait(false);
    }

    private static Task WriteJsonAsync(HttpContext context, string json)
    {
        context.Response.ContentType = "application/json; charset=utf-8";
        return context.Response.WriteAsync(json, context.RequestAborted);
    }

    private static Task WriteErrorAsync(HttpContext context, int status, string message)
    {
        context.Response.StatusCode = status;
        return WriteJsonAsync(context, JsonSerializer.Serialize(new { error = message }));
    }

    /// <summary>Ends the pages' event streams and any running scenario, then stops serving (the devices keep running).</summary>
    public async ValueTask DisposeAsync()
    {
        await _scenarios.DisposeAsync().ConfigureAwait(false);
        await _hub.DisposeAsync().ConfigureAwait(false);
        await _app.StopAsync().ConfigureAwait(false);
        await _app.DisposeAsync().ConfigureAwait(false);
    }
}
