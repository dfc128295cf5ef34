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
    private readonly TlsFailures _tlsFailures;

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
            settings.TrustedRootSource = $"'{caCertificatePath}'";
        }

        _tlsFailures = settings.TlsFailures;

        _channel = GrpcChannels.ForAddress(address, settings);
        _client = new LoyaltyTerminalService.LoyaltyTerminalServiceClient(_channel);
        if (token is not null)
        {
            _headers = new Metadata { { "authorization", "Bearer " + token } };
        }
    }

    public Task<SubmitTransactionsResponse> SubmitTransactionsAsync(SubmitTransactionsRequest request, CancellationToken cancellationToken) =>
        Call(_client.SubmitTransactionsAsync(request, Options(cancellationToken)));

    public Task<AuthorizeRedemptionResponse> AuthorizeRedemptionAsync(AuthorizeRedemptionRequest request, CancellationToken cancellationToken) =>
        Call(_client.AuthorizeRedemptionAsync(request, Options(cancellationToken)));

    public Task<ReleaseRedemptionResponse> ReleaseRedemptionAsync(ReleaseRedemptionRequest request, CancellationToken cancellationToken) =>
        _client.ReleaseRedemptionAsync(request, Options(cancellationToken)).ResponseAsync;

    public Task<CardSnapshot> GetCardSnapshotAsync(GetCardSnapshotRequest request, CancellationToken cancellationToken) =>
        Call(_client.GetCardSnapshotAsync(request, Options(cancellationToken)));

    public Task<PullChangesResponse> PullChangesAsync(PullChangesRequest request, CancellationToken cancellationToken) =>
        Call(_client.PullChangesAsync(request, Options(cancellationToken)));

    public Task<ListProgramsResponse> ListProgramsAsync(ListProgramsRequest request, CancellationToken cancellationToken) =>
        Call(_client.ListProgramsAsync(request, Options(cancellationToken)));

    public Task<ListRewardsResponse> ListRewardsAsync(ListRewardsRequest request, CancellationToken cancellationToken) =>
        Call(_client.ListRewardsAsync(request, Options(cancellationToken)));

    public Task<RegisterMemberResponse> RegisterMemberAsync(RegisterMemberRequest request, CancellationToken cancellationToken) =>
        Call(_client.RegisterMemberAsync(request, Options(cancellationToken)));

    public Task<Card> IssueCardAsync(IssueCardRequest request, CancellationToken cancellationToken) =>
        Call(_client.IssueCardAsync(request, Options(cancellationToken)));

    public Task<ReplaceCardResponse> ReplaceCardAsync(ReplaceCardRequest request, CancellationToken cancellationToken) =>
        Call(_client.ReplaceCardAsync(request, Options(cancellationToken)));

    public void Dispose() => _channel.Dispose();

    private CallOptions Options(CancellationToken cancellationToken) => new(_headers, cancellationToken: cancellationToken);

    // A refused server certificate surfaces as "see inner exception": say what was wrong instead.
    private async Task<T> Call<T>(AsyncUnaryCall<T> call)
    {
        using (call)
        {
            try
            {
                return await call.ResponseAsync.ConfigureAwait(false);
            }
            catch (RpcException ex) when (TlsFailures.IsHandshakeFailure(ex) && _tlsFailures.Last is { } reason)
            {
                throw new RpcException(new Status(StatusCode.Unavailable, reason, ex.Status.DebugException));
            }
        }
    }
}
