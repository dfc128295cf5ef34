using System.Security.Cryptography.X509Certificates;
using Google.Protobuf;
using Google.Protobuf.Reflection;
using PosAgent.Contracts.Loyalty.V1;
using PosAgent.Rpc;

namespace PosAgent.Agent.Internal.Central;

/// <summary>The central service's terminal API over gRPC (PosAgent.Rpc), with the terminal's bearer token.</summary>
internal sealed class RpcCentralClient : ICentralClient, IDisposable
{
    private static readonly ServiceDescriptor Service = TerminalReflection.Descriptor.Services.Single(s => s.Name == "LoyaltyTerminalService");
    private static readonly GrpcMethod<SubmitTransactionsRequest, SubmitTransactionsResponse> Submit = Method<SubmitTransactionsRequest, SubmitTransactionsResponse>("SubmitTransactions");
    private static readonly GrpcMethod<AuthorizeRedemptionRequest, AuthorizeRedemptionResponse> Authorize = Method<AuthorizeRedemptionRequest, AuthorizeRedemptionResponse>("AuthorizeRedemption");
    private static readonly GrpcMethod<GetCardSnapshotRequest, CardSnapshot> Snapshot = Method<GetCardSnapshotRequest, CardSnapshot>("GetCardSnapshot");
    private static readonly GrpcMethod<PullChangesRequest, PullChangesResponse> Changes = Method<PullChangesRequest, PullChangesResponse>("PullChanges");
    private static readonly GrpcMethod<ListProgramsRequest, ListProgramsResponse> Programs = Method<ListProgramsRequest, ListProgramsResponse>("ListPrograms");
    private static readonly GrpcMethod<ListRewardsRequest, ListRewardsResponse> Rewards = Method<ListRewardsRequest, ListRewardsResponse>("ListRewards");
    private static readonly GrpcMethod<RegisterMemberRequest, RegisterMemberResponse> Register = Method<RegisterMemberRequest, RegisterMemberResponse>("RegisterMember");
    private static readonly GrpcMethod<IssueCardRequest, Card> Issue = Method<IssueCardRequest, Card>("IssueCard");
    private static readonly GrpcMethod<ReplaceCardRequest, ReplaceCardResponse> Replace = Method<ReplaceCardRequest, ReplaceCardResponse>("ReplaceCard");

    private readonly GrpcChannel _channel;
    private readonly string? _token;

    public RpcCentralClient(string address, string? token, string? caCertificatePath, TimeProvider time)
    {
        var options = new GrpcChannelOptions { TimeProvider = time, ConnectTimeout = TimeSpan.FromSeconds(3), KeepAlivePingDelay = TimeSpan.FromSeconds(20) };
        if (caCertificatePath is not null)
        {
            var ca = X509CertificateLoader.LoadCertificateFromFile(caCertificatePath);
            options.ServerCertificateValidation = (_, certificate, _, errors) =>
            {
                if (errors == System.Net.Security.SslPolicyErrors.None)
                {
                    return true;
                }

                if (certificate is null || (errors & ~System.Net.Security.SslPolicyErrors.RemoteCertificateChainErrors) != 0)
                {
                    return false;
                }

                using var chain = new X509Chain();
                chain.ChainPolicy.TrustMode = X509ChainTrustMode.CustomRootTrust;
                chain.ChainPolicy.CustomTrustStore.Add(ca);
                chain.ChainPolicy.RevocationMode = X509RevocationMode.NoCheck;
                return chain.Build(X509CertificateLoader.LoadCertificate(certificate.GetRawCertData()));
            };
        }

        _channel = GrpcChannel.ForAddress(address, options);
        _token = token;
    }

    public Task<SubmitTransactionsResponse> SubmitTransactionsAsync(SubmitTransactionsRequest request, CancellationToken cancellationToken) => Call(Submit, request, cancellationToken);

    public Task<AuthorizeRedemptionResponse> AuthorizeRedemptionAsync(AuthorizeRedemptionRequest request, CancellationToken cancellationToken) => Call(Authorize, request, cancellationToken);

    public Task<CardSnapshot> GetCardSnapshotAsync(GetCardSnapshotRequest request, CancellationToken cancellationToken) => Call(Snapshot, request, cancellationToken);

    public Task<PullChangesResponse> PullChangesAsync(PullChangesRequest request, CancellationToken cancellationToken) => Call(Changes, request, cancellationToken);

    public Task<ListProgramsResponse> ListProgramsAsync(ListProgramsRequest request, CancellationToken cancellationToken) => Call(Programs, request, cancellationToken);

    public Task<ListRewardsResponse> ListRewardsAsync(ListRewardsRequest request, CancellationToken cancellationToken) => Call(Rewards, request, cancellationToken);

    public Task<RegisterMemberResponse> RegisterMemberAsync(RegisterMemberRequest request, CancellationToken cancellationToken) => Call(Register, request, cancellationToken);

    public Task<Card> IssueCardAsync(IssueCardRequest request, CancellationToken cancellationToken) => Call(Issue, request, cancellationToken);

    public Task<ReplaceCardResponse> ReplaceCardAsync(ReplaceCardRequest request, CancellationToken cancellationToken) => Call(Replace, request, cancellationToken);

    public void Dispose() => _channel.Dispose();

    private Task<TResponse> Call<TRequest, TResponse>(GrpcMethod<TRequest, TResponse> method, TRequest request, CancellationToken cancellationToken)
        where TRequest : class, IMessage<TRequest>, new()
        where TResponse : class, IMessage<TResponse>, new()
    {
        Metadata? headers = null;
        if (_token is not null)
        {
            headers = [];
            headers.Add("authorization", "Bearer " + _token);
        }

        return _channel.UnaryAsync(method, request, new CallOptions(headers, cancellationToken: cancellationToken));
    }

    private static GrpcMethod<TRequest, TResponse> Method<TRequest, TResponse>(string name)
        where TRequest : class, IMessage<TRequest>, new()
        where TResponse : class, IMessage<TResponse>, new() =>
        GrpcMethod.FromDescriptor<TRequest, TResponse>(Service, name);
}
