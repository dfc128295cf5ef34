using System.Security.Cryptography.X509Certificates;
using Grpc.Core;
using Grpc.Net.Client;
using PosAgent.Contracts.Loyalty.V1;
using PosAgent.Hosting;

namespace PosAgent.Agent.Internal.Central;

/// <summary>
/// The central service's terminal API through grpc-dotnet's generated client, with the terminal's
/// bearer token. Time limits and retries stay with the caller's Polly pipeline (<see cref="CentralGateway"/>).
/// </summary>
internal sealed class GrpcCentralClient : ICentralClient, IDisposable
{
    private readonly GrpcChannel _channel;
    private readonly LoyaltyTerminalService.LoyaltyTerminalServiceClient _client;
    private readonly Metadata? _headers;

    /// <param name="maxReceiveMessageSize">Largest answer accepted, in bytes; null: the channel's default (16 MiB).</param>
    public GrpcCentralClient(string address, string? token, string? caCertificatePath, int? maxReceiveMessageSize = null)
    {
        var settings = new GrpcConnectionSettings { ConnectTimeout = TimeSpan.FromSeconds(3), KeepAlivePingDelay = TimeSpan.FromSeconds(20) };
        if (maxReceiveMessageSize is { } max)
        {
            settings.MaxReceiveMessageSize = max;
        }

        if (caCertificatePath is not null)
        {
            settings.TrustedRoot = X509CertificateLoader.LoadCertificateFromFile(caCertificatePath);
        }

        _channel = GrpcChannels.ForAddress(address, settings);
        _client = new LoyaltyTerminalService.LoyaltyTerminalServiceClient(_channel);
        if (token is not null)
        {
            _headers = new Metadata { { "authorization", "Bearer " + token } };
        }
    }

    public Task<SubmitTransactionsResponse> SubmitTransactionsAsync(SubmitTransactionsRequest request, CancellationToken cancellationToken) =>
        _client.SubmitTransactionsAsync(request, Options(cancellationToken)).ResponseAsync;

    public Task<AuthorizeRedemptionResponse> AuthorizeRedemptionAsync(AuthorizeRedemptionRequest request, CancellationToken cancellationToken) =>
        _client.AuthorizeRedemptionAsync(request, Options(cancellationToken)).ResponseAsync;

    public Task<CardSnapshot> GetCardSnapshotAsync(GetCardSnapshotRequest request, CancellationToken cancellationToken) =>
        _client.GetCardSnapshotAsync(request, Options(cancellationToken)).ResponseAsync;

    public Task<PullChangesResponse> PullChangesAsync(PullChangesRequest request, CancellationToken cancellationToken) =>
        _client.PullChangesAsync(request, Options(cancellationToken)).ResponseAsync;

    public Task<ListProgramsResponse> ListProgramsAsync(ListProgramsRequest request, CancellationToken cancellationToken) =>
        _client.ListProgramsAsync(request, Options(cancellationToken)).ResponseAsync;

    public Task<ListRewardsResponse> ListRewardsAsync(ListRewardsRequest request, CancellationToken cancellationToken) =>
        _client.ListRewardsAsync(request, Options(cancellationToken)).ResponseAsync;

    public Task<RegisterMemberResponse> RegisterMemberAsync(RegisterMemberRequest request, CancellationToken cancellationToken) =>
        _client.RegisterMemberAsync(request, Options(cancellationToken)).ResponseAsync;

    public Task<Card> IssueCardAsync(IssueCardRequest request, CancellationToken cancellationToken) =>
        _client.IssueCardAsync(request, Options(cancellationToken)).ResponseAsync;

    public Task<ReplaceCardResponse> ReplaceCardAsync(ReplaceCardRequest request, CancellationToken cancellationToken) =>
        _client.ReplaceCardAsync(request, Options(cancellationToken)).ResponseAsync;

    public void Dispose() => _channel.Dispose();

    private CallOptions Options(CancellationToken cancellationToken) => new(_headers, cancellationToken: cancellationToken);
}
