using Grpc.Core;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Hosting;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging;
using PosAgent.Contracts.PosAgent.V1;
using PosAgent.Hosting;

namespace PosAgent.Cli.Tests;

/// <summary>
/// A real Kestrel gRPC server (grpc-dotnet) on a Unix socket serving posagent.v1 with handlers each
/// test writes: for what the real agent cannot be made to do on cue (a given error, a backlog
/// draining step by step). Methods without a handler answer UNIMPLEMENTED.
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

    public static async Task<ScriptedAgent> StartAsync(TempDirectory directory, Action<ScriptedChecks, ScriptedTerminal> configure)
    {
        var socket = directory.File("agent.sock");
        var builder = WebApplication.CreateSlimBuilder();
        builder.Logging.ClearProviders();
        builder.WebHost.ConfigureKestrel(k => k.ListenGrpcUnixSocket(socket));
        builder.Services.AddGrpc();
        var checks = new ScriptedChecks();
        var terminal = new ScriptedTerminal();
        configure(checks, terminal);
        builder.Services.AddSingleton(checks);
        builder.Services.AddSingleton(terminal);
        var app = builder.Build();
        app.MapGrpcService<ScriptedChecks>();
        app.MapGrpcService<ScriptedTerminal>();
        await app.StartAsync().WithTimeout();
        return new ScriptedAgent(app, socket);
    }

    public async ValueTask DisposeAsync()
    {
        await _app.StopAsync().WithTimeout();
        await _app.DisposeAsync();
    }
}

internal sealed class ScriptedChecks : Checks.ChecksBase
{
    private Func<QuoteRequest, ServerCallContext, Task<QuoteResponse>>? _quote;
    private Func<CommitRequest, ServerCallContext, Task<CommitResponse>>? _commit;

    public ScriptedChecks OnQuote(Func<QuoteRequest, ServerCallContext, Task<QuoteResponse>> handler)
    {
        _quote = handler;
        return this;
    }

    public ScriptedChecks OnCommit(Func<CommitRequest, ServerCallContext, Task<CommitResponse>> handler)
    {
        _commit = handler;
        return this;
    }

    public override Task<QuoteResponse> Quote(QuoteRequest request, ServerCallContext context) => _quote is null ? base.Quote(request, context) : _quote(request, context);

    public override Task<CommitResponse> Commit(CommitRequest request, ServerCallContext context) => _commit is null ? base.Commit(request, context) : _commit(request, context);
}

internal sealed class ScriptedTerminal : Terminal.TerminalBase
{
    private Func<GetStatusRequest, ServerCallContext, Task<StatusResponse>>? _getStatus;
    private Func<SyncNowRequest, ServerCallContext, Task<SyncNowResponse>>? _syncNow;
    private Func<WatchEventsRequest, IServerStreamWriter<AgentEvent>, ServerCallContext, Task>? _watchEvents;

    public ScriptedTerminal OnGetStatus(Func<GetStatusRequest, ServerCallContext, Task<StatusResponse>> handler)
    {
        _getStatus = handler;
        return this;
    }

    public ScriptedTerminal OnSyncNow(Func<SyncNowRequest, ServerCallContext, Task<SyncNowResponse>> handler)
    {
        _syncNow = handler;
        return this;
    }

    public ScriptedTerminal OnWatchEvents(Func<WatchEventsRequest, IServerStreamWriter<AgentEvent>, ServerCallContext, Task> handler)
    {
        _watchEvents = handler;
        return this;
    }

    public override Task<StatusResponse> GetStatus(GetStatusRequest request, ServerCallContext context) => _getStatus is null ? base.GetStatus(request, context) : _getStatus(request, context);

    public override Task<SyncNowResponse> SyncNow(SyncNowRequest request, ServerCallContext context) => _syncNow is null ? base.SyncNow(request, context) : _syncNow(request, context);

    public override Task WatchEvents(WatchEventsRequest request, IServerStreamWriter<AgentEvent> responseStream, ServerCallContext context) =>
        _watchEvents is null ? base.WatchEvents(request, responseStream, context) : _watchEvents(request, responseStream, context);
}
