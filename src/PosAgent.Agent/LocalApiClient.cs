using Grpc.Core;
using Grpc.Net.Client;
using PosAgent.Contracts.PosAgent.V1;
using PosAgent.Hosting;

namespace PosAgent.Agent;

/// <summary>
/// A typed client of the agent's local API (for the demo, the CLI, tests and C# POS software),
/// over the Unix socket or loopback TCP, on grpc-dotnet's generated clients. Errors arrive as
/// <see cref="RpcException"/> with the status code and the cashier-readable message.
/// </summary>
public sealed class LocalApiClient : IDisposable
{
    private readonly GrpcChannel _channel;
    private readonly Checks.ChecksClient _checks;
    private readonly Members.MembersClient _members;
    private readonly Terminal.TerminalClient _terminal;

    private LocalApiClient(GrpcChannel channel)
    {
        _channel = channel;
        _checks = new Checks.ChecksClient(channel);
        _members = new Members.MembersClient(channel);
        _terminal = new Terminal.TerminalClient(channel);
    }

    /// <summary>The channel, for generated clients of services this class does not wrap (health, reflection).</summary>
    public GrpcChannel Channel => _channel;

    public static LocalApiClient ForUnixSocket(string socketPath, GrpcConnectionSettings? settings = null) => new(GrpcChannels.ForUnixSocket(socketPath, settings));

    public static LocalApiClient ForAddress(string address, GrpcConnectionSettings? settings = null) => new(GrpcChannels.ForAddress(address, settings));

    public Task<Check> OpenCheckAsync(OpenCheckRequest request, CancellationToken cancellationToken = default) =>
        _checks.OpenCheckAsync(request, cancellationToken: cancellationToken).ResponseAsync;

    public Task<Check> AddLineAsync(AddLineRequest request, CancellationToken cancellationToken = default) =>
        _checks.AddLineAsync(request, cancellationToken: cancellationToken).ResponseAsync;

    public Task<Check> RemoveLineAsync(RemoveLineRequest request, CancellationToken cancellationToken = default) =>
        _checks.RemoveLineAsync(request, cancellationToken: cancellationToken).ResponseAsync;

    public Task<Check> AttachCardAsync(AttachCardRequest request, CancellationToken cancellationToken = default) =>
        _checks.AttachCardAsync(request, cancellationToken: cancellationToken).ResponseAsync;

    public Task<Check> DetachCardAsync(DetachCardRequest request, CancellationToken cancellationToken = default) =>
        _checks.DetachCardAsync(request, cancellationToken: cancellationToken).ResponseAsync;

    public Task<Check> GetCheckAsync(GetCheckRequest request, CancellationToken cancellationToken = default) =>
        _checks.GetCheckAsync(request, cancellationToken: cancellationToken).ResponseAsync;

    public Task<QuoteResponse> QuoteAsync(QuoteRequest request, CancellationToken cancellationToken = default) =>
        _checks.QuoteAsync(request, cancellationToken: cancellationToken).ResponseAsync;

    public Task<CommitResponse> CommitAsync(CommitRequest request, CancellationToken cancellationToken = default) =>
        _checks.CommitAsync(request, cancellationToken: cancellationToken).ResponseAsync;

    public Task<Check> CancelCheckAsync(CancelCheckRequest request, CancellationToken cancellationToken = default) =>
        _checks.CancelCheckAsync(request, cancellationToken: cancellationToken).ResponseAsync;

    public Task<RefundResponse> RefundAsync(RefundRequest request, CancellationToken cancellationToken = default) =>
        _checks.RefundAsync(request, cancellationToken: cancellationToken).ResponseAsync;

    public Task<BalanceResponse> GetBalanceAsync(GetBalanceRequest request, CancellationToken cancellationToken = default) =>
        _members.GetBalanceAsync(request, cancellationToken: cancellationToken).ResponseAsync;

    public Task<RegisterMemberResponse> RegisterMemberAsync(RegisterMemberRequest request, CancellationToken cancellationToken = default) =>
        _members.RegisterMemberAsync(request, cancellationToken: cancellationToken).ResponseAsync;

    public Task<CardResponse> IssueCardAsync(IssueCardRequest request, CancellationToken cancellationToken = default) =>
        _members.IssueCardAsync(request, cancellationToken: cancellationToken).ResponseAsync;

    public Task<CardResponse> ReplaceCardAsync(ReplaceCardRequest request, CancellationToken cancellationToken = default) =>
        _members.ReplaceCardAsync(request, cancellationToken: cancellationToken).ResponseAsync;

    public Task<ListRewardsResponse> ListRewardsAsync(ListRewardsRequest request, CancellationToken cancellationToken = default) =>
        _members.ListRewardsAsync(request, cancellationToken: cancellationToken).ResponseAsync;

    public Task<ExchangeRewardResponse> ExchangeRewardAsync(ExchangeRewardRequest request, CancellationToken cancellationToken = default) =>
        _members.ExchangeRewardAsync(request, cancellationToken: cancellationToken).ResponseAsync;

    public Task<StatusResponse> GetStatusAsync(CancellationToken cancellationToken = default) =>
        _terminal.GetStatusAsync(new GetStatusRequest(), cancellationToken: cancellationToken).ResponseAsync;

    public Task<PrintReceiptResponse> PrintReceiptAsync(PrintReceiptRequest request, CancellationToken cancellationToken = default) =>
        _terminal.PrintReceiptAsync(request, cancellationToken: cancellationToken).ResponseAsync;

    public Task<SyncNowResponse> SyncNowAsync(CancellationToken cancellationToken = default) =>
        _terminal.SyncNowAsync(new SyncNowRequest(), cancellationToken: cancellationToken).ResponseAsync;

    public Task<PingResponse> PingAsync(CancellationToken cancellationToken = default) =>
        _terminal.PingAsync(new PingRequest(), cancellationToken: cancellationToken).ResponseAsync;

    /// <summary>The event feed until <paramref name="cancellationToken"/> is cancelled.</summary>
    public async IAsyncEnumerable<AgentEvent> WatchEventsAsync(WatchEventsRequest request, [System.Runtime.CompilerServices.EnumeratorCancellation] CancellationToken cancellationToken = default)
    {
        using var call = _terminal.WatchEvents(request, cancellationToken: cancellationToken);
        while (await call.ResponseStream.MoveNext(cancellationToken).ConfigureAwait(false))
        {
            yield return call.ResponseStream.Current;
        }
    }

    public void Dispose() => _channel.Dispose();
}
