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

    [Theory]
    [InlineData("usb")]
    [InlineData("2")]
    public void Validate_UnknownSerialDriver_RefusedNamingTheSetting(string driver)
    {
        var options = new AgentOptions();
        options.Devices.SerialDriver = driver;

        var error = Assert.Throws<ArgumentException>(options.Validate);

        Assert.Contains($"devices.serialDriver: '{driver}' must be auto, termios or serialport", error.Message, StringComparison.Ordinal);
    }

    [Theory]
    [InlineData("auto")]
    [InlineData("Termios")]
    [InlineData("serialport")]
    public void Validate_KnownSerialDriver_Passes(string driver)
    {
        var options = new AgentOptions();
        options.Devices.SerialDriver = driver;

        options.Validate();
    }
}
