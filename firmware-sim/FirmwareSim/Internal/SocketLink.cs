using System.Net.Sockets;

namespace FirmwareSim.Internal;

/// <summary>One raw TCP printing connection (port 9100 style).</summary>
internal sealed class SocketLink(Socket socket) : IDeviceLink, IDisposable
{
    public string Description { get; } = socket.RemoteEndPoint?.ToString() ?? "tcp client";

    public bool Persistent => false;

    public int ClientBaud() => 0;

    public LinkRead Read(Span<byte> buffer, int timeoutMs, out int count)
    {
        count = 0;
        try
        {
            if (!socket.Poll(timeoutMs * 1000, SelectMode.SelectRead))
            {
                return LinkRead.Idle;
            }

            count = socket.Receive(buffer, SocketFlags.None, out var error);
            if (error is SocketError.WouldBlock or SocketError.Interrupted)
            {
                return LinkRead.Idle;
            }

            return count > 0 && error == SocketError.Success ? LinkRead.Data : LinkRead.NoClient;
        }
        catch (Exception ex) when (ex is SocketException or ObjectDisposedException)
        {
            return LinkRead.NoClient;
        }
    }

    public bool Write(ReadOnlySpan<byte> data, CancellationToken cancellationToken)
    {
        try
        {
            while (!data.IsEmpty)
            {
                cancellationToken.ThrowIfCancellationRequested();
                var n = socket.Send(data, SocketFlags.None, out var error);
                if (error != SocketError.Success && error != SocketError.WouldBlock)
                {
                    return false;
                }

                data = data[n..];
            }

            return true;
        }
        catch (Exception ex) when (ex is SocketException or ObjectDisposedException)
        {
            return false;
        }
    }

    public void Dispose()
    {
        try
        {
            socket.Shutdown(SocketShutdown.Both);
        }
        catch (Exception ex) when (ex is SocketException or ObjectDisposedException)
        {
            // Already closed by the peer.
        }

        socket.Dispose();
    }
}
