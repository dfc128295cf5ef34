namespace FirmwareSim.Internal;

/// <summary>One connection of a simulated printer to its host: the pseudo-terminal or one TCP client.</summary>
internal interface IDeviceLink
{
    /// <summary>For logs: the link path or the TCP peer.</summary>
    string Description { get; }

    /// <summary>True for the pty (it outlives clients and unplugs); false for a TCP connection (ends with the client).</summary>
    bool Persistent { get; }

    LinkRead Read(Span<byte> buffer, int timeoutMs, out int count);

    bool Write(ReadOnlySpan<byte> data, CancellationToken cancellationToken);

    /// <summary>The baud the client set, 0 when unknown or not a serial line.</summary>
    int ClientBaud();
}
