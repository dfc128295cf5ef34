using Google.Protobuf.Reflection;
using PosAgent.Contracts.PosAgent.V1;
using PosAgent.Rpc;

namespace PosAgent.Cli.Internal;

/// <summary>The methods of the agent's local API (protos/posagent/v1/agent.proto), from its descriptor.</summary>
internal static class AgentApi
{
    private static readonly ServiceDescriptor Checks = Service("Checks");
    private static readonly ServiceDescriptor Members = Service("Members");
    private static readonly ServiceDescriptor Terminal = Service("Terminal");

    public static readonly GrpcMethod<OpenCheckRequest, Check> OpenCheck = GrpcMethod.FromDescriptor<OpenCheckRequest, Check>(Checks, "OpenCheck");
    public static readonly GrpcMethod<AddLineRequest, Check> AddLine = GrpcMethod.FromDescriptor<AddLineRequest, Check>(Checks, "AddLine");
    public static readonly GrpcMethod<RemoveLineRequest, Check> RemoveLine = GrpcMethod.FromDescriptor<RemoveLineRequest, Check>(Checks, "RemoveLine");
    public static readonly GrpcMethod<AttachCardRequest, Check> AttachCard = GrpcMethod.FromDescriptor<AttachCardRequest, Check>(Checks, "AttachCard");
    public static readonly GrpcMethod<DetachCardRequest, Check> DetachCard = GrpcMethod.FromDescriptor<DetachCardRequest, Check>(Checks, "DetachCard");
    public static readonly GrpcMethod<GetCheckRequest, Check> GetCheck = GrpcMethod.FromDescriptor<GetCheckRequest, Check>(Checks, "GetCheck");
    public static readonly GrpcMethod<QuoteRequest, QuoteResponse> Quote = GrpcMethod.FromDescriptor<QuoteRequest, QuoteResponse>(Checks, "Quote");
    public static readonly GrpcMethod<CommitRequest, CommitResponse> Commit = GrpcMethod.FromDescriptor<CommitRequest, CommitResponse>(Checks, "Commit");
    public static readonly GrpcMethod<CancelCheckRequest, Check> CancelCheck = GrpcMethod.FromDescriptor<CancelCheckRequest, Check>(Checks, "CancelCheck");
    public static readonly GrpcMethod<RefundRequest, RefundResponse> Refund = GrpcMethod.FromDescriptor<RefundRequest, RefundResponse>(Checks, "Refund");

    public static readonly GrpcMethod<GetBalanceRequest, BalanceResponse> GetBalance = GrpcMethod.FromDescriptor<GetBalanceRequest, BalanceResponse>(Members, "GetBalance");

    public static readonly GrpcMethod<GetStatusRequest, StatusResponse> GetStatus = GrpcMethod.FromDescriptor<GetStatusRequest, StatusResponse>(Terminal, "GetStatus");
    public static readonly GrpcMethod<WatchEventsRequest, AgentEvent> WatchEvents = GrpcMethod.FromDescriptor<WatchEventsRequest, AgentEvent>(Terminal, "WatchEvents");
    public static readonly GrpcMethod<PrintReceiptRequest, PrintReceiptResponse> PrintReceipt = GrpcMethod.FromDescriptor<PrintReceiptRequest, PrintReceiptResponse>(Terminal, "PrintReceipt");
    public static readonly GrpcMethod<SyncNowRequest, SyncNowResponse> SyncNow = GrpcMethod.FromDescriptor<SyncNowRequest, SyncNowResponse>(Terminal, "SyncNow");
    public static readonly GrpcMethod<PingRequest, PingResponse> Ping = GrpcMethod.FromDescriptor<PingRequest, PingResponse>(Terminal, "Ping");

    private static ServiceDescriptor Service(string name) =>
        AgentReflection.Descriptor.Services.Single(s => s.Name == name);
}
