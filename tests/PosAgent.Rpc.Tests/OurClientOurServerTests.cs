using PosAgent.Rpc.Tests.Infrastructure;
using PosAgent.Rpc.Tests.Interop;

namespace PosAgent.Rpc.Tests;

/// <summary>The interop cases with our client against our server, over loopback TCP and a Unix socket.</summary>
public sealed class OurClientOurServerTests : IAsyncLifetime
{
    private GrpcTestServer _server = null!;

    public static TheoryData<string> Cases => new(InteropClient.AllCases);

    public async Task InitializeAsync() => _server = await GrpcTestServer.StartAsync();

    public async Task DisposeAsync() => await _server.DisposeAsync();

    [Theory]
    [MemberData(nameof(Cases))]
    public async Task InteropCase_OverTcp_Passes(string name)
    {
        using var channel = _server.CreateChannel();
        await new InteropClient(channel).RunAsync(name);
    }

    [Theory]
    [MemberData(nameof(Cases))]
    public async Task InteropCase_OverUnixSocket_Passes(string name)
    {
        using var channel = _server.CreateUnixChannel();
        await new InteropClient(channel).RunAsync(name);
    }
}
