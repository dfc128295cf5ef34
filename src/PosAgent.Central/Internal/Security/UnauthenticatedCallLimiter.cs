using System.Collections.Concurrent;
using System.Net;
using System.Net.Sockets;
using System.Threading.RateLimiting;
using Microsoft.Extensions.Logging;

namespace PosAgent.Central.Internal.Security;

/// <summary>
/// Calls that fail authentication, limited per peer address: each address may fail
/// <see cref="CentralOptions.UnauthenticatedBurst"/> times, earning one more try per
/// <see cref="CentralOptions.UnauthenticatedRefill"/>. A probe measured 1,481 such calls/s, each
/// one a store read and a log line; past its allowance an address is answered from memory and its
/// refusals are counted into one summary line per <see cref="CentralOptions.RefusedCallSummaryInterval"/>.
/// </summary>
internal sealed class UnauthenticatedCallLimiter : IDisposable
{
    private readonly PartitionedRateLimiter<string> _limiter;
    private readonly ConcurrentDictionary<string, long> _refusedByPeer = new(StringComparer.Ordinal);
    private readonly ILogger _logger;
    private readonly TimeSpan _summaryInterval;
    private readonly ITimer _summaryTimer;

    public UnauthenticatedCallLimiter(CentralOptions options, TimeProvider time, ILogger logger)
    {
        _logger = logger;
        _summaryInterval = options.RefusedCallSummaryInterval;
        _limiter = PartitionedRateLimiter.Create<string, string>(peer => RateLimitPartition.GetTokenBucketLimiter(peer, _ => new TokenBucketRateLimiterOptions
        {
            TokenLimit = options.UnauthenticatedBurst,
            TokensPerPeriod = 1,
            ReplenishmentPeriod = options.UnauthenticatedRefill,
            AutoReplenishment = true,
            QueueLimit = 0,
        }));
        _summaryTimer = time.CreateTimer(_ => LogSummary(), null, _summaryInterval, _summaryInterval);
    }

    /// <summary>
    /// The address a limit applies to: IPv4 as is, IPv6 by its /64 (one host usually holds the whole
    /// prefix, so counting single addresses would not limit it), "local" for a Unix socket.
    /// </summary>
    public static string PeerKey(IPAddress? address)
    {
        if (address is null)
        {
            return "local";
        }

        if (address.IsIPv4MappedToIPv6)
        {
            address = address.MapToIPv4();
        }

        if (address.AddressFamily != AddressFamily.InterNetworkV6)
        {
            return address.ToString();
        }

        var bytes = address.GetAddressBytes();
        Array.Clear(bytes, 8, 8);
        return new IPAddress(bytes) + "/64";
    }

    /// <summary>False once <paramref name="peer"/> has used its allowance of failed authentications.</summary>
    public bool HasAllowance(string peer)
    {
        // Asking for 0 permits tells whether any are left without taking one.
        using var lease = _limiter.AttemptAcquire(peer, 0);
        return lease.IsAcquired;
    }

    /// <summary>
    /// Counts one failed authentication; false when it was over the allowance (refuse it without a
    /// log line of its own). <paramref name="alreadyOver"/>: <see cref="HasAllowance"/> said so before.
    /// </summary>
    public bool FailedWithinAllowance(string peer, bool alreadyOver)
    {
        if (!alreadyOver)
        {
            using var lease = _limiter.AttemptAcquire(peer, 1);
            if (lease.IsAcquired)
            {
                return true;
            }
        }

        if (_refusedByPeer.AddOrUpdate(peer, 1, (_, n) => n + 1) == 1)
        {
            CentralLog.PeerOverAllowance(_logger, peer);
        }

        return false;
    }

    public void Dispose()
    {
        _summaryTimer.Dispose();
        LogSummary();
        _limiter.Dispose();
    }

    private void LogSummary()
    {
        long total = 0;
        var peers = 0;
        var top = (Peer: string.Empty, Count: 0L);
        foreach (var peer in _refusedByPeer.Keys)
        {
            if (!_refusedByPeer.TryRemove(peer, out var count))
            {
                continue;
            }

            total += count;
            peers++;
            if (count > top.Count)
            {
                top = (peer, count);
            }
        }

        if (total > 0)
        {
            CentralLog.UnauthenticatedRefusedSummary(_logger, total, peers, _summaryInterval, top.Peer, top.Count);
        }
    }
}
