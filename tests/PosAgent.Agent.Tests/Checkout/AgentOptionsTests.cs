namespace PosAgent.Agent.Tests.Checkout;

public sealed class AgentOptionsTests
{
    [Fact]
    public void Validate_Defaults_Pass() => new AgentOptions().Validate();

    [Fact]
    public void Validate_NonLoopbackTcpWithoutOptIn_RefusedWithEveryProblemListed()
    {
        var options = new AgentOptions { TcpPort = 5000, TcpAddress = "0.0.0.0", SocketMode = "999" };
        options.Sync.BatchSize = 0;

        var error = Assert.Throws<ArgumentException>(options.Validate);

        Assert.Contains("tcpAddress: '0.0.0.0' is not a loopback address", error.Message, StringComparison.Ordinal);
        Assert.Contains("socketMode", error.Message, StringComparison.Ordinal);
        Assert.Contains("sync.batchSize", error.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void Validate_NonLoopbackWithOptIn_Passes() => new AgentOptions { TcpPort = 5000, TcpAddress = "0.0.0.0", AllowNonLoopback = true }.Validate();
}
