using System.Net;
using System.Net.Http.Json;
using System.Text.Json;
using PosAgent.Agent.Tests.Support;
using PosAgent.Contracts.PosAgent.V1;
using PosAgent.TestSupport;

namespace PosAgent.Agent.Tests.Interop;

/// <summary>
/// The local API as HTTP + JSON (gRPC JSON transcoding) on the agent's loopback TCP port, beside
/// gRPC on the very same port: HTTP/1.1 and HTTP/2 prior knowledge both reach the JSON routes, a
/// gRPC client still works, and errors come back as the gRPC status in JSON with the mapped HTTP
/// status and the same message as over gRPC.
/// </summary>
public sealed class HttpJsonTests : IAsyncLifetime
{
    private readonly TempDirectory _dir = new();
    private readonly string _card = TestCards.Csm(316);
    private TestAgent _agent = null!;
    private HttpClient _http = null!;

    public async Task InitializeAsync()
    {
        _agent = await TestAgent.StartAsync(_dir, o => o.TcpPort = 0);
        _agent.Parts.Cards.Put(TestCards.CsmSnapshot(_card, 500, DateTimeOffset.UtcNow));
        _http = new HttpClient { BaseAddress = new Uri(_agent.Host.TcpAddress!), Timeout = TimeSpan.FromSeconds(20) };
    }

    public async Task DisposeAsync()
    {
        _http.Dispose();
        await _agent.DisposeAsync();
        _dir.Dispose();
    }

    [Fact]
    public async Task Http11Json_QuoteAndCommit_SameAnswersAsGrpc()
    {
        var check = await PostAsync("/v1/checks", new { clientReference = "http-test" }, HttpVersion.Version11);
        var checkId = check.GetProperty("checkId").GetString()!;
        await PostAsync($"/v1/checks/{checkId}/lines", new { name = "Consultation", category = "medical", unitPriceMinor = 100_000, quantity = 1 }, HttpVersion.Version11);
        await PostAsync($"/v1/checks/{checkId}:attachCard", new { cardNumber = _card }, HttpVersion.Version11);

        var quote = await PostAsync($"/v1/checks/{checkId}:quote", new { }, HttpVersion.Version11);
        var grpcQuote = await _agent.Client.QuoteAsync(new QuoteRequest { CheckId = checkId }).WithTimeout();
        Assert.Equal(grpcQuote.PointsToEarn, quote.GetProperty("pointsToEarn").GetInt64());
        Assert.Equal(grpcQuote.MaxPointsSpendable, quote.GetProperty("maxPointsSpendable").GetInt64());
        Assert.Equal(100_000, quote.GetProperty("totalMinor").GetInt64());

        var commit = await PostAsync($"/v1/checks/{checkId}:commit", new { payment = new { cashMinor = 100_000 } }, HttpVersion.Version11);
        Assert.Equal("CHECK_STATE_COMMITTED", commit.GetProperty("check").GetProperty("state").GetString());
        var operationId = commit.GetProperty("operationId").GetString();
        var stored = await _agent.Client.GetCheckAsync(new GetCheckRequest { CheckId = checkId }).WithTimeout();
        Assert.Equal(operationId, stored.OperationId);
    }

    [Fact]
    public async Task Http2PriorKnowledgeJsonAndGrpc_OnTheSameTcpPort_BothServed()
    {
        using var request = new HttpRequestMessage(HttpMethod.Get, "/v1/status") { Version = HttpVersion.Version20, VersionPolicy = HttpVersionPolicy.RequestVersionExact };
        using var response = await _http.SendAsync(request).WithTimeout();

        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        Assert.Equal(HttpVersion.Version20, response.Version);
        var status = await response.Content.ReadFromJsonAsync<JsonElement>().WithTimeout();
        Assert.Equal(_agent.Host.Options.TerminalId, status.GetProperty("terminalId").GetString());
        using var grpc = LocalApiClient.ForAddress(_agent.Host.TcpAddress!);
        Assert.Equal(_agent.Host.Options.TerminalId, (await grpc.GetStatusAsync().WithTimeout()).TerminalId);
    }

    [Fact]
    public async Task Http11Json_Errors_GrpcStatusAsJsonWithTheSameMessage()
    {
        var check = await PostAsync("/v1/checks", new { }, HttpVersion.Version11);
        var checkId = check.GetProperty("checkId").GetString()!;

        var (badPrice, badPriceBody) = await SendAsync(HttpMethod.Post, $"/v1/checks/{checkId}/lines", new { name = "X", category = "medical", unitPriceMinor = -1, quantity = 1 });
        var grpcError = await Assert.ThrowsAsync<Grpc.Core.RpcException>(() =>
            _agent.Client.AddLineAsync(new AddLineRequest { CheckId = checkId, Name = "X", Category = "medical", UnitPriceMinor = -1, Quantity = 1 }).WithTimeout());
        Assert.Equal(HttpStatusCode.BadRequest, badPrice);
        Assert.Equal((int)Grpc.Core.StatusCode.InvalidArgument, badPriceBody.GetProperty("code").GetInt32());
        Assert.Equal(grpcError.Status.Detail, badPriceBody.GetProperty("message").GetString());
        Assert.StartsWith("unit_price_minor", grpcError.Status.Detail, StringComparison.Ordinal);

        var (unknownRoute, _) = await SendAsync(HttpMethod.Get, "/v1/no-such-route", null);
        Assert.Equal(HttpStatusCode.NotFound, unknownRoute);

        await PostAsync($"/v1/checks/{checkId}/lines", new { name = "Consultation", category = "medical", unitPriceMinor = 30_000, quantity = 1 }, HttpVersion.Version11);
        await PostAsync($"/v1/checks/{checkId}:commit", new { payment = new { cashMinor = 30_000 } }, HttpVersion.Version11);
        var (again, againBody) = await SendAsync(HttpMethod.Post, $"/v1/checks/{checkId}:commit", new { payment = new { cashMinor = 30_000 } });
        var grpcAgain = await Assert.ThrowsAsync<Grpc.Core.RpcException>(() =>
            _agent.Client.CommitAsync(new CommitRequest { CheckId = checkId, Payment = new PaymentSplit { CashMinor = 30_000 } }).WithTimeout());
        Assert.Equal(Grpc.Core.StatusCode.FailedPrecondition, grpcAgain.StatusCode);
        Assert.Equal(HttpStatusCode.BadRequest, again);
        Assert.Equal((int)grpcAgain.StatusCode, againBody.GetProperty("code").GetInt32());
        Assert.Equal(grpcAgain.Status.Detail, againBody.GetProperty("message").GetString());
    }

    private async Task<JsonElement> PostAsync(string path, object body, Version version)
    {
        using var request = new HttpRequestMessage(HttpMethod.Post, path) { Version = version, VersionPolicy = HttpVersionPolicy.RequestVersionExact, Content = JsonContent.Create(body) };
        using var response = await _http.SendAsync(request).WithTimeout();
        var json = await response.Content.ReadFromJsonAsync<JsonElement>().WithTimeout();
        Assert.True(response.IsSuccessStatusCode, $"{path}: {(int)response.StatusCode} {json}");
        Assert.Equal(version, response.Version);
        return json;
    }

    private async Task<(HttpStatusCode Status, JsonElement Body)> SendAsync(HttpMethod method, string path, object? body)
    {
        using var request = new HttpRequestMessage(method, path) { Version = HttpVersion.Version11, Content = body is null ? null : JsonContent.Create(body) };
        using var response = await _http.SendAsync(request).WithTimeout();
        var text = await response.Content.ReadAsStringAsync().WithTimeout();
        return (response.StatusCode, text.Length == 0 ? default : JsonDocument.Parse(text).RootElement.Clone());
    }
}
