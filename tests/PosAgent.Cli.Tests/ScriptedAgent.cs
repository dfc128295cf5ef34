using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Hosting;
using Microsoft.Extensions.Logging;
using PosAgent.Contracts.PosAgent.V1;
using PosAgent.Rpc;

namespace PosAgent.Cli.Tests;

/// <summary>
/// A real Kestrel gRPC server on a Unix socket serving posagent.v1 with handlers each test writes:
/// for what the real agent cannot be made to do on cue (a given error, a backlog draining step by step).
/// </summary>
internal sealed class ScriptedAgent : IAsyncDisposable
{
    private readonly WebApplication _app;

    private ScriptedAgent(WebApplication app, string socketPath)
    {
        _app = app;
        SocketPath = socketPath;
    }

    public string SocketPath { get; }

    public static async Task<ScriptedAgent> StartAsync(TempDirectory directory, Action<GrpcServiceBuilder, GrpcServiceBuilder> configure)
    {
        var socket = directory.File("agent.sock");
        var builder = WebApplication.CreateSlimBuilder();
        builder.Logging.ClearProviders();
        builder.WebHost.ConfigureKestrel(k => k.ListenGrpcUnixSocket(socket));
        builder.Services.AddGrpcRpc();
        var app = builder.Build();
        var checks = new GrpcServiceBuilder(Service("Checks"));
        var terminal = new GrpcServiceBuilder(Service("Terminal"));
        configure(checks, terminal);
        app.MapGrpcService(checks.Build());
        app.MapGrpcService(terminal.Build());
        await app.StartAsync().WithTimeout();
        return new ScriptedAgent(app, socket);
    }

    public async ValueTask DisposeAsync()
    {
        await _app.StopAsync().WithTimeout();
        await _app.DisposeAsync();
    }

    private static Google.Protobuf.Reflection.ServiceDescriptor Service(string name) =>
        AgentReflection.Descriptor.Services.Single(s => s.Name == name);
}
