using PosAgent.Rpc.Internal;

namespace PosAgent.Rpc.Tests;

/// <summary>The header encodings of doc/PROTOCOL-HTTP2.md: grpc-timeout and grpc-message.</summary>
public sealed class ProtocolTests
{
    [Theory]
    [InlineData("1H", 36_000_000_000L)]
    [InlineData("2M", 1_200_000_000L)]
    [InlineData("3S", 30_000_000L)]
    [InlineData("250m", 2_500_000L)]
    [InlineData("7u", 70L)]
    [InlineData("1000n", 10L)]
    [InlineData("99999999S", 999_999_990_000_000L)]
    [InlineData("0m", 0L)]
    public void TryParseTimeout_ValidValue_Parsed(string value, long ticks)
    {
        Assert.True(GrpcProtocol.TryParseTimeout(value, out var timeout));
        Assert.Equal(ticks, timeout.Ticks);
    }

    [Theory]
    [InlineData("")]
    [InlineData("S")]
    [InlineData("10")]
    [InlineData("10s")]
    [InlineData("-1S")]
    [InlineData("1.5S")]
    [InlineData("123456789S")]
    [InlineData(" 1S")]
    public void TryParseTimeout_InvalidValue_Rejected(string value) => Assert.False(GrpcProtocol.TryParseTimeout(value, out _));

    [Theory]
    [InlineData(1, "1u")]
    [InlineData(1500, "1500u")]
    [InlineData(100_000_000, "100000m")]
    public void FormatTimeout_Milliseconds_ShortestUnitThatFits(long microseconds, string expected) =>
        Assert.Equal(expected, GrpcProtocol.FormatTimeout(TimeSpan.FromMicroseconds(microseconds)));

    [Fact]
    public void FormatTimeout_Huge_AtMostEightDigitsAndNeverShorter()
    {
        var timeout = TimeSpan.FromDays(3650);

        var text = GrpcProtocol.FormatTimeout(timeout);

        Assert.True(text.Length <= 9, text);
        Assert.True(GrpcProtocol.TryParseTimeout(text, out var parsed));
        Assert.True(parsed >= timeout);
    }

    [Fact]
    public void FormatTimeout_RoundTrip_NeverShortensTheDeadline()
    {
        var random = new Random(7);
        for (var i = 0; i < 1000; i++)
        {
            var timeout = TimeSpan.FromTicks(random.NextInt64(0, TimeSpan.TicksPerDay * 400));
            Assert.True(GrpcProtocol.TryParseTimeout(GrpcProtocol.FormatTimeout(timeout), out var parsed));
            Assert.True(parsed >= timeout, $"{timeout} became {parsed}");
        }
    }

    [Theory]
    [InlineData("plain message", "plain message")]
    [InlineData("100% sure", "100%25 sure")]
    [InlineData("line\nbreak", "line%0Abreak")]
    [InlineData("caf\u00e9 \u263a", "caf%C3%A9 %E2%98%BA")]
    public void EncodeMessage_PercentEncodesOutsidePrintableAscii(string message, string encoded)
    {
        Assert.Equal(encoded, GrpcProtocol.EncodeMessage(message));
        Assert.Equal(message, GrpcProtocol.DecodeMessage(encoded));
    }

    [Theory]
    [InlineData("bad %zz escape", "bad %zz escape")]
    [InlineData("trailing %", "trailing %")]
    [InlineData("trailing %4", "trailing %4")]
    public void DecodeMessage_MalformedEscape_KeptAsIs(string value, string expected) =>
        Assert.Equal(expected, GrpcProtocol.DecodeMessage(value));

    [Theory]
    [InlineData("application/grpc", true)]
    [InlineData("application/grpc+proto", true)]
    [InlineData("application/grpc; charset=utf-8", true)]
    [InlineData("application/grpcx", false)]
    [InlineData("application/json", false)]
    [InlineData(null, false)]
    public void IsGrpcContentType_Values(string? value, bool expected) => Assert.Equal(expected, GrpcProtocol.IsGrpcContentType(value));

    [Fact]
    public void DecodeBinaryHeader_PaddedAndUnpadded_BothAccepted()
    {
        Assert.Equal(new byte[] { 0xab, 0xab }, GrpcProtocol.DecodeBinaryHeader("q6s="));
        Assert.Equal(new byte[] { 0xab, 0xab }, GrpcProtocol.DecodeBinaryHeader("q6s"));
        Assert.Null(GrpcProtocol.DecodeBinaryHeader("q"));
    }
}
