using System.Net;
using Grpc.Core;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Logging.Testing;
using PosAgent.Central.Internal.Security;
using PosAgent.Central.Tests.Support;
using PosAgent.TestSupport;

namespace PosAgent.Central.Tests.EndToEnd;

/// <summary>Calls without a valid credential are limited per address and summarized, not logged one by one (#18).</summary>
public sealed class UnauthenticatedCallTests : IAsyncLifetime
{
    private const int Allowance = 5;
    private const string UnknownToken = "pa1.0123456789abcdef.AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA";
    private readonly TempDirectory _dir = new("central-unauth-");
    private readonly FakeLogCollector _logs = new();
    private ILoggerFactory _loggers = null!;
    private CentralHarness _h = null!;

    public async Task InitializeAsync()
    {
        _loggers = LoggerFactory.Create(b => b.AddProvider(new FakeLoggerProvider(_logs)));
        _h = await CentralHarness.StartAsync(_dir.File("central.db"), configure: o =>
        {
            o.UnauthenticatedBurst = Allowance;
            // Nothing earned back during a test: the outcome does not depend on how fast the machine is.
            o.UnauthenticatedRefill = TimeSpan.FromHours(1);
            o.RefusedCallSummaryInterval = TimeSpan.FromMinutes(1);
        }, loggerFactory: _loggers);
    }

    public async Task DisposeAsync()
    {
        await _h.DisposeAsync();
        _loggers.Dispose();
        _dir.Dispose();
    }

    [Fact]
    public async Task UnknownToken_PastTheAddressAllowance_ResourceExhaustedAndNotLoggedEachTime()
    {
        var stranger = _h.Client(UnknownToken);

        var outcomes = new List<StatusCode>();
        for (var i = 0; i < Allowance + 7; i++)
        {
            outcomes.Add(await StatusOf(stranger.ProgramsAsync()));
        }

        Assert.Equal(Enumerable.Repeat(StatusCode.Unauthenticated, Allowance), outcomes.Take(Allowance));
        Assert.Equal(Enumerable.Repeat(StatusCode.ResourceExhausted, 7), outcomes.Skip(Allowance));
        Assert.Equal(Allowance, Messages().Count(m => m.Contains("refused: unknown credential", StringComparison.Ordinal)));
        Assert.Single(Messages(), m => m.Contains("Peer 127.0.0.1 used its allowance", StringComparison.Ordinal));
    }

    [Fact]
    public async Task RefusalsOverTheAllowance_SummarizedOncePerInterval()
    {
        var stranger = _h.Client("Bearer not-a-token");
        for (var i = 0; i < Allowance + 10; i++)
        {
            await StatusOf(stranger.ProgramsAsync());
        }

        Assert.DoesNotContain(Messages(), m => m.StartsWith("Refused ", StringComparison.Ordinal));
        _h.Time.Advance(TimeSpan.FromMinutes(1));

        var summary = Assert.Single(Messages(), m => m.StartsWith("Refused ", StringComparison.Ordinal));
        Assert.Contains("Refused 10 calls without a valid credential from 1 peer(s)", summary, StringComparison.Ordinal);
        Assert.Contains("most from 127.0.0.1: 10", summary, StringComparison.Ordinal);

        // Nothing new refused: the next interval writes no line.
        _h.Time.Advance(TimeSpan.FromMinutes(1));
        Assert.Single(Messages(), m => m.StartsWith("Refused ", StringComparison.Ordinal));
    }

    [Fact]
    public async Task TerminalVerifiedRecently_SameAddressAsAFlood_StillServed()
    {
        Assert.Equal(StatusCode.OK, await StatusOf(_h.Terminal.ProgramsAsync()));
        var stranger = _h.Client(UnknownToken);
        for (var i = 0; i < Allowance + 3; i++)
        {
            await StatusOf(stranger.ProgramsAsync());
        }

        Assert.Equal(StatusCode.ResourceExhausted, await StatusOf(stranger.ProgramsAsync()));
        Assert.Equal(StatusCode.OK, await StatusOf(_h.Terminal.ProgramsAsync()));
    }

    [Theory]
    [InlineData("192.0.2.7", "192.0.2.7")]
    [InlineData("::ffff:192.0.2.7", "192.0.2.7")]
    [InlineData("2001:db8:1:2:aaaa:bbbb:cccc:dddd", "2001:db8:1:2::/64")]
    [InlineData("2001:db8:1:2::1", "2001:db8:1:2::/64")]
    public void PeerKey_IPv6CountedByItsSlash64(string address, string key) =>
        Assert.Equal(key, UnauthenticatedCallLimiter.PeerKey(IPAddress.Parse(address)));

    [Fact]
    public void PeerKey_UnixSocket_Local() => Assert.Equal("local", UnauthenticatedCallLimiter.PeerKey(null));

    private static async Task<StatusCode> StatusOf<T>(Task<T> call)
    {
        try
        {
            await call.WithTimeout();
            return StatusCode.OK;
        }
        catch (RpcException ex)
        {
            return ex.StatusCode;
        }
    }

    private List<string> Messages() => _logs.GetSnapshot().Select(r => r.Message).ToList();
}
