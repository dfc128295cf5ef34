using System.Net.Sockets;
using PosAgent.Devices.Transports;

namespace PosAgent.Devices.Internal;

/// <summary>A raw TCP printer (port 9100). A closed or reset connection counts as unplugged.</summary>
internal sealed class TcpTransport : IDeviceTransport
{
    private readonly TransportOptions _options;
    private readonly string _host;
    private readonly int _port;
    private Socket? _socket;

    public TcpTransport(TransportOptions options)
    {
        _options = options;
        TransportOptions.TryParseEndpoint(options.Path, out _host, out _port);
    }

    public string Name => _options.Path;

    public TimeSpan ByteTime => TimeSpan.Zero;

    public bool IsOpen => _socket is { Connected: true };

    public void Open(CancellationToken cancellationToken)
    {
        Close();
        var socket = new Socket(SocketType.Stream, ProtocolType.Tcp) { NoDelay = true };
        try
        {
            using var cts = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken);
            cts.CancelAfter(_options.ConnectTimeout);
            socket.ConnectAsync(_host, _port, cts.Token).AsTask().GetAwaiter().GetResult();
            socket.Blocking = false;
            _socket = socket;
        }
        catch (OperationCanceledException) when (!cancellationToken.IsCancellationRequested)
        {
            socket.Dispose();
            throw new DeviceUnavailableException(Name, $"Printer '{Name}' did not accept a connection within {_options.ConnectTimeout.TotalSeconds:0.#} s.");
        }
        catch (SocketException ex)
        {
            socket.Dispose();
            throw new DeviceUnavailableException(Name, (int)ex.SocketErrorCode, $"Printer '{Name}' cannot be reached: {ex.Message}.");
        }
        catch
        {
            socket.Dispose();
            throw;
        }
    }

    public int Read(Span<byte> buffer, TimeSpan timeout, CancellationToken cancellationToken)
    {
        var socket = Socket();
        var deadline = DateTime.UtcNow + timeout;
        try
        {
            while (true)
            {
                cancellationToken.ThrowIfCancellationRequested();
                var remaining = deadline - DateTime.UtcNow;
                if (remaining <= TimeSpan.Zero && socket.Available == 0)
                {
                    return 0;
                }

                var slice = remaining < TransportDefaults.CancellationSlice ? remaining : TransportDefaults.CancellationSlice;
                if (socket.Poll(Math.Max(0, (int)(slice.Ticks / 10)), SelectMode.SelectRead))
                {
                    var n = socket.Receive(buffer);
                    return n > 0 ? n : throw Gone("closed the connection");
                }
            }
        }
        catch (SocketException ex)
        {
            throw Gone(ex.Message);
        }
    }

    public void Write(ReadOnlySpan<byte> data, TimeSpan timeout, CancellationToken cancellationToken)
    {
        var socket = Socket();
        try
        {
            while (!data.IsEmpty)
            {
                cancellationToken.ThrowIfCancellationRequested();
                var waited = TimeSpan.Zero;
                while (!socket.Poll((int)(TransportDefaults.CancellationSlice.Ticks / 10), SelectMode.SelectWrite))
                {
                    cancellationToken.ThrowIfCancellationRequested();
                    waited += TransportDefaults.CancellationSlice;
                    if (waited >= timeout)
                    {
                        throw new TimeoutException($"Printer '{Name}' accepted no data for {timeout.TotalMilliseconds:0} ms ({data.Length} bytes left to write).");
                    }
                }

                var n = socket.Send(data, SocketFlags.None, out var error);
                if (error is not SocketError.Success and not SocketError.WouldBlock)
                {
                    throw Gone(error.ToString());
                }

                data = data[Math.Max(0, n)..];
            }
        }
        catch (SocketException ex)
        {
            throw Gone(ex.Message);
        }
    }

    public void DiscardPendingOutput()
    {
        // Bytes in the socket's send buffer cannot be recalled; the printer's buffer is cleared instead.
    }

    public void Close()
    {
        var socket = _socket;
        _socket = null;
        socket?.Dispose();
    }

    public void Dispose() => Close();

    private Socket Socket() =>
        _socket ?? throw new DeviceUnavailableException(Name, $"Printer '{Name}' is not connected.");

    private DeviceUnavailableException Gone(string why) => new(Name, $"Printer '{Name}' connection lost: {why}.");
}
