using System.Net;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Hosting;
using Microsoft.AspNetCore.Hosting.Server;
using Microsoft.AspNetCore.Hosting.Server.Features;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging;
using PosAgent.TestSupport;

namespace PosAgent.Rpc.Tests.Infrastructure;

/// <summary>
/// A real Kestrel server on loopback TCP (h2c, a free port) and a Unix socket, hosting the interop test
/// service, health and reflection, plus whatever a test maps.
/// </summary>
public sealed class GrpcTestServer : IAsyncDisposable
{
    private readonly WebApplication _app;
    private readonly TempDirectory _directory;

    private GrpcTestServer(WebApplication app, TempDirectory directory, string socketPath, CapturingLoggerProvider logs)
    {
        _app = app;
        _directory = directory;
        SocketPath = socketPath;
        Logs = logs;
        var addresses = app.Services.GetRequiredService<IServer>().Features.Get<IServerAddressesFeature>()!.Addresses;
        var tcp = addresses.First(a => a.StartsWith("http://127.0.0.1", StringComparison.Ordinal));
        Port = new Uri(tcp).Port;
        Address = new Uri($"http://127.0.0.1:{Port}");
    }

    public Uri Address { get; }

    public int Port { get; }

    public string SocketPath { get; }

    public CapturingLoggerProvider Logs { get; }

    public IServiceProvider Services => _app.Services;

    public static async Task<GrpcTestServer> StartAsync(Action<GrpcServerOptions>? configure = null, Action<WebApplication>? map = null, Action<IServiceCollection>? services = null, GrpcServiceDefinition? testService = null)
    {
        var directory = new TempDirectory("pa-rpc-");
        var socketPath = directory.File("grpc.sock");
        var logs = new CapturingLoggerProvider();
        var builder = WebApplication.CreateSlimBuilder();
        builder.Logging.ClearProviders();
        builder.Logging.AddProvider(logs);
        builder.Logging.SetMinimumLevel(LogLevel.Debug);
        builder.WebHost.ConfigureKestrel(k =>
        {
            k.ListenGrpc(IPAddress.Loopback, 0);
            k.ListenGrpcUnixSocket(socketPath);
        });
        builder.Services.AddGrpcRpc(configure);
        services?.Invoke(builder.Services);
        var app = builder.Build();
        app.MapGrpcService(testService ?? InteropTestService.Create());
        app.MapGrpcHealthService();
        app.MapGrpcReflectionService();
        map?.Invoke(app);
        await app.StartAsync().WithTimeout();
        return new GrpcTestServer(app, directory, socketPath, logs);
    }

    public GrpcChannel CreateChannel(GrpcChannelOptions? options = null) => GrpcChannel.ForAddress(Address, options);

    public GrpcChannel CreateUnixChannel(GrpcChannelOptions? options = null) => GrpcChannel.ForUnixSocket(SocketPath, options);

    public async ValueTask DisposeAsync()
    {
        await _app.StopAsync().WithTimeout();
        await _app.DisposeAsync();
        _directory.Dispose();
    }
}

/// <summary>Keeps the server's log lines so tests can check what was (and was not) logged.</summary>
public sealed class CapturingLoggerProvider : ILoggerProvider
{
    private readonly List<(LogLevel Level, string Category, string Message, Exception? Exception)> _entries = [];
    private readonly Lock _gate = new();

    public IReadOnlyList<(LogLevel Level, string Category, string Message, Exception? Exception)> Entries
    {
        get
        {
            lock (_gate)
            {
                return [.. _entries];
            }
        }
    }

    public ILogger CreateLogger(string categoryName) => new Logger(this, categoryName);

    public void Dispose()
    {
    }

    private sealed class Logger(CapturingLoggerProvider owner, string category) : ILogger
    {
        public IDisposable? BeginScope<TState>(TState state)
            where TState : notnull => null;

        public bool IsEnabled(LogLevel logLevel) => true;

        public void Log<TState>(LogLevel logLevel, EventId eventId, TState state, Exception? exception, Func<TState, Exception?, string> formatter)
        {
            lock (owner._gate)
            {
                owner._entries.Add((logLevel, category, formatter(state, exception), exception));
            }
        }
    }
}
