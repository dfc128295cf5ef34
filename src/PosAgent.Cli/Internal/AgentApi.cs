using Google.Protobuf;
using Google.Protobuf.Reflection;
using Grpc.Core;
using PosAgent.Contracts.PosAgent.V1;

namespace PosAgent.Cli.Internal;

/// <summary>
/// The methods of the agent's local API (protos/posagent/v1/agent.proto) as grpc-dotnet <see cref="Method{TRequest, TResponse}"/>s,
/// checked against the generated descriptor, so the commands can share one call path.
/// </summary>
internal static class AgentApi
{
    private static readonly ServiceDescriptor Checks = Service("Checks");
    private static readonly ServiceDescriptor Members = Service("Members");
    private static readonly ServiceDescriptor Terminal = Service("Terminal");

    public static readonly Method<OpenCheckRequest, Check> OpenCheck = Unary<OpenCheckRequest, Check>(Checks, "OpenCheck");
    public static readonly Method<AddLineRequest, Check> AddLine = Unary<AddLineRequest, Check>(Checks, "AddLine");
    public static readonly Method<RemoveLineRequest, Check> RemoveLine = Unary<RemoveLineRequest, Check>(Checks, "RemoveLine");
    public static readonly Method<AttachCardRequest, Check> AttachCard = Unary<AttachCardRequest, Check>(Checks, "AttachCard");
    public static readonly Method<DetachCardRequest, Check> DetachCard = Unary<DetachCardRequest, Check>(Checks, "DetachCard");
    public static readonly Method<GetCheckRequest, Check> GetCheck = Unary<GetCheckRequest, Check>(Checks, "GetCheck");
    public static readonly Method<QuoteRequest, QuoteResponse> Quote = Unary<QuoteRequest, QuoteResponse>(Checks, "Quote");
    public static readonly Method<CommitRequest, CommitResponse> Commit = Unary<CommitRequest, CommitResponse>(Checks, "Commit");
    public static readonly Method<CancelCheckRequest, Check> CancelCheck = Unary<CancelCheckRequest, Check>(Checks, "CancelCheck");
    public static readonly Method<RefundRequest, RefundResponse> Refund = Unary<RefundRequest, RefundResponse>(Checks, "Refund");

    public static readonly Method<GetBalanceRequest, BalanceResponse> GetBalance = Unary<GetBalanceRequest, BalanceResponse>(Members, "GetBalance");

    public static readonly Method<GetStatusRequest, StatusResponse> GetStatus = Unary<GetStatusRequest, StatusResponse>(Terminal, "GetStatus");
    public static readonly Method<WatchEventsRequest, AgentEvent> WatchEvents = Streaming<WatchEventsRequest, AgentEvent>(Terminal, "WatchEvents");
    public static readonly Method<PrintReceiptRequest, PrintReceiptResponse> PrintReceipt = Unary<PrintReceiptRequest, PrintReceiptResponse>(Terminal, "PrintReceipt");
    public static readonly Method<SyncNowRequest, SyncNowResponse> SyncNow = Unary<SyncNowRequest, SyncNowResponse>(Terminal, "SyncNow");
    public static readonly Method<PingRequest, PingResponse> Ping = Unary<PingRequest, PingResponse>(Terminal, "Ping");

    private static Method<TRequest, TResponse> Unary<TRequest, TResponse>(ServiceDescriptor service, string name)
        where TRequest : class, IMessage<TRequest>, new()
        where TResponse : class, IMessage<TResponse>, new() => Create<TRequest, TResponse>(MethodType.Unary, service, name);

    private static Method<TRequest, TResponse> Streaming<TRequest, TResponse>(ServiceDescriptor service, string name)
        where TRequest : class, IMessage<TRequest>, new()
        where TResponse : class, IMessage<TResponse>, new() => Create<TRequest, TResponse>(MethodType.ServerStreaming, service, name);

    private static Method<TRequest, TResponse> Create<TRequest, TResponse>(MethodType type, ServiceDescriptor service, string name)
        where TRequest : class, IMessage<TRequest>, new()
        where TResponse : class, IMessage<TResponse>, new()
    {
        var method = service.FindMethodByName(name) ?? throw new InvalidOperationException($"{service.FullName} has no method {name}.");
        if (method.InputType.ClrType != typeof(TRequest) || method.OutputType.ClrType != typeof(TResponse) || method.IsServerStreaming != (type == MethodType.ServerStreaming))
        {
            throw new InvalidOperationException($"{method.FullName} does not take {typeof(TRequest).Name} and return {typeof(TResponse).Name} as {type}.");
        }

        return new Method<TRequest, TResponse>(type, service.FullName, name, Marshaller<TRequest>(), Marshaller<TResponse>());
    }

    private static Marshaller<T> Marshaller<T>()
        where T : class, IMessage<T>, new()
    {
        var parser = new MessageParser<T>(() => new T());
        return Marshallers.Create(m => m.ToByteArray(), parser.ParseFrom);
    }

    private static ServiceDescriptor Service(string name) =>
        AgentReflection.Descriptor.Services.Single(s => s.Name == name);
}
