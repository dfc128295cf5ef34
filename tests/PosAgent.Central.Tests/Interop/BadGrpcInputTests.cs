using System.Net;
using PosAgent.Central.Tests.Support;
using PosAgent.TestSupport;

namespace PosAgent.Central.Tests.Interop;

/// <summary>Input no generated client sends, on the central's loopback port: a gRPC status back, and the service keeps serving.</summary>
public sealed class BadGrpcInputTests : IAsyncLifetime
{
    private const string Snapshot = "/posagent.loyalty.v1.LoyaltyTerminalService/GetCardSnapshot";
    private readonly TempDirectory _dir = new("pa-central-");
    private CentralHarness _h = null!;
    private RawGrpcCall _raw = null!;
    private string _card = null!;

    public async Task InitializeAsync()
    {
        _h = await CentralHarness.StartAsync(_dir.File("central.db"));
        _raw = RawGrpcCall.ForAddress(_h.Address);
        _card = await _h.RegisterAsync("INV-KZ");
    }

    public async Task DisposeAsync()
    {
        _raw.Dispose();
        await _h.DisposeAsync();
        _dir.Dispose();
    }

    [Fact]
    public async Task MalformedProtobuf_Unknown_ThenServesNormally()
    {
        // 0xFF 0xFF: a field key whose varint never ends - not a GetCardSnapshotRequest.
        var answer = await _raw.PostAsync(Snapshot, RawGrpcCall.Frame(0xFF, 0xFF));

        Assert.Equal(HttpStatusCode.OK, answer.Http);
        // UNKNOWN: grpc-dotnet fails the call when the message does not parse, before any service code runs.
        Assert.Equal(2, answer.GrpcStatus);
        await AssertStillServing();
    }

    [Fact]
    public async Task WrongContentType_UnsupportedMediaType_ThenServesNormally()
    {
        var answer = await _raw.PostAsync(Snapshot, "{}"u8.ToArray(), "application/json");

        Assert.Equal(HttpStatusCode.UnsupportedMediaType, answer.Http);
        Assert.Equal(13, answer.GrpcStatus);
        await AssertStillServing();
    }

    [Fact]
    public async Task UnknownMethod_Unimplemented_ThenServesNormally()
    {
        var answer = await _raw.PostAsync("/posagent.loyalty.v1.LoyaltyTerminalService/NoSuchMethod", RawGrpcCall.Frame());

        Assert.Equal(12, answer.GrpcStatus); // UNIMPLEMENTED
        await AssertStillServing();
    }

    private async Task AssertStillServing()
    {
        var snapshot = await _h.Terminal.SnapshotAsync(_card).WithTimeout();
        Assert.Equal(_card, snapshot.CardNumber);
    }
}
