using System.Net;
using PosAgent.Agent.Tests.Support;
using PosAgent.Contracts.PosAgent.V1;
using PosAgent.TestSupport;

namespace PosAgent.Agent.Tests.Interop;

/// <summary>Input no generated client sends, on the agent's Unix socket: a gRPC status back, and the agent keeps serving.</summary>
public sealed class BadGrpcInputTests : IAsyncLifetime
{
    private readonly TempDirectory _dir = new();
    private TestAgent _agent = null!;
    private RawGrpcCall _raw = null!;

    public async Task InitializeAsync()
    {
        _agent = await TestAgent.StartAsync(_dir);
        _raw = RawGrpcCall.ForUnixSocket(_agent.Host.SocketPath!);
    }

    public async Task DisposeAsync()
    {
        _raw.Dispose();
        await _agent.DisposeAsync();
        _dir.Dispose();
    }

    [Fact]
    public async Task MalformedProtobuf_Unknown_ThenServesNormally()
    {
        // 0xFF 0xFF: a field key whose varint never ends - not a GetCheckRequest.
        var answer = await _raw.PostAsync("/posagent.v1.Checks/GetCheck", RawGrpcCall.Frame(0xFF, 0xFF));

        Assert.Equal(HttpStatusCode.OK, answer.Http);
        // UNKNOWN: grpc-dotnet fails the call when the message does not parse, before any service code runs.
        Assert.Equal(2, answer.GrpcStatus);
        await AssertStillServing();
    }

    [Fact]
    public async Task FrameLongerThanBody_Internal_ThenServesNormally()
    {
        // The frame announces 100 bytes and the stream ends after 2.
        var frame = RawGrpcCall.Frame(new byte[100])[..7];
        var answer = await _raw.PostAsync("/posagent.v1.Checks/GetCheck", frame);

        Assert.Equal(13, answer.GrpcStatus); // INTERNAL: the message was cut short
        await AssertStillServing();
    }

    [Fact]
    public async Task WrongContentType_UnsupportedMediaType_ThenServesNormally()
    {
        var answer = await _raw.PostAsync("/posagent.v1.Terminal/Ping", "{}"u8.ToArray(), "application/json");

        Assert.Equal(HttpStatusCode.UnsupportedMediaType, answer.Http);
        Assert.Equal(13, answer.GrpcStatus);
        Assert.Contains("application/json", answer.Message, StringComparison.Ordinal);
        await AssertStillServing();
    }

    [Fact]
    public async Task UnknownMethod_Unimplemented_ThenServesNormally()
    {
        var method = await _raw.PostAsync("/posagent.v1.Terminal/NoSuchMethod", RawGrpcCall.Frame());
        var service = await _raw.PostAsync("/posagent.v1.NoSuchService/Ping", RawGrpcCall.Frame());

        Assert.Equal(12, method.GrpcStatus); // UNIMPLEMENTED
        Assert.Equal(12, service.GrpcStatus);
        await AssertStillServing();
    }

    private async Task AssertStillServing()
    {
        var check = await _agent.Client.OpenCheckAsync(new OpenCheckRequest { ClientReference = "after-bad-input" }).WithTimeout();
        var read = await _agent.Client.GetCheckAsync(new GetCheckRequest { CheckId = check.CheckId }).WithTimeout();
        Assert.Equal(check.CheckId, read.CheckId);
    }
}
