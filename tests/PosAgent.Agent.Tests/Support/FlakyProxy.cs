using System.Net;
using System.Net.Sockets;

namespace PosAgent.Agent.Tests.Support;

/// <summary>
/// A TCP proxy in front of the central service that makes the link flaky: every chunk is delayed
/// a little, and each connection dies after a random short life, either closed (a drop) or with
/// an RST (a reset), often in the middle of a request or an answer. Deterministic per seed.
/// </summary>
internal sealed class FlakyProxy : IAsyncDisposable
{
    private readonly TcpListener _listener;
    private readonly int _target;
    private readonly Random _random;
    private readonly CancellationTokenSource _stop = new();
    private readonly Task _accepting;
    private readonly List<Task> _connections = [];
    private int _faults;

    private FlakyProxy(int targetPort, int seed)
    {
        _target = targetPort;
        _random = new Random(seed);
        _listener = new TcpListener(IPAddress.Loopback, 0);
        _listener.Start();
        _accepting = AcceptAsync();
    }

    public string Address => $"http://127.0.0.1:{((IPEndPoint)_listener.LocalEndpoint).Port}";

    /// <summary>Connections dropped or reset so far.</summary>
    public int Faults => Volatile.Read(ref _faults);

    public static FlakyProxy Start(int targetPort, int seed) => new(targetPort, seed);

    private async Task AcceptAsync()
    {
        while (!_stop.IsCancellationRequested)
        {
            Socket client;
            try
            {
                client = await _listener.AcceptSocketAsync(_stop.Token);
            }
            catch (Exception ex) when (ex is OperationCanceledException or SocketException or ObjectDisposedException)
            {
                return;
            }

            int lifeMs, fate;
            lock (_random)
            {
                lifeMs = _random.Next(30, 400);
                fate = _random.Next(3); // 0: drop, 1: reset, 2: live until the end of its life then drop
            }

            lock (_connections)
            {
                _connections.Add(RelayAsync(client, TimeSpan.FromMilliseconds(lifeMs), reset: fate == 1));
            }
        }
    }

    private async Task RelayAsync(Socket client, TimeSpan life, bool reset)
    {
        using var server = new Socket(AddressFamily.InterNetwork, SocketType.Stream, ProtocolType.Tcp);
        using var lifetime = CancellationTokenSource.CreateLinkedTokenSource(_stop.Token);
        lifetime.CancelAfter(life);
        try
        {
            await server.ConnectAsync(IPAddress.Loopback, _target, _stop.Token);
            await Task.WhenAny(PumpAsync(client, server, lifetime.Token), PumpAsync(server, client, lifetime.Token));
        }
        catch (Exception ex) when (ex is OperationCanceledException or SocketException or ObjectDisposedException)
        {
        }
        finally
        {
            if (!_stop.IsCancellationRequested)
            {
                Interlocked.Increment(ref _faults);
            }

            if (reset)
            {
                client.LingerState = new LingerOption(true, 0); // close with RST
            }

            client.Dispose();
        }
    }

    private async Task PumpAsync(Socket from, Socket to, CancellationToken cancellationToken)
    {
        var buffer = new byte[16 * 1024];
        try
        {
            while (true)
            {
                var n = await from.ReceiveAsync(buffer, SocketFlags.None, cancellationToken);
                if (n == 0)
                {
                    return;
                }

                int delay;
                lock (_random)
                {
                    delay = _random.Next(0, 15);
                }

                await Task.Delay(delay, cancellationToken);
                await to.SendAsync(buffer.AsMemory(0, n), SocketFlags.None, cancellationToken);
            }
        }
        catch (Exception ex) when (ex is OperationCanceledException or SocketException or ObjectDisposedException)
        {
        }
    }

    public async ValueTask DisposeAsync()
    {
        await _stop.CancelAsync();
        _listener.Stop();
        await _accepting;
        Task[] connections;
        lock (_connections)
        {
            connections = [.. _connections];
        }

        await Task.WhenAll(connections);
        _stop.Dispose();
    }
}
