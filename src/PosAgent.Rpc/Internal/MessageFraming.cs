using System.Buffers;
using System.Buffers.Binary;
using System.IO.Compression;
using System.IO.Pipelines;
using Google.Protobuf;

namespace PosAgent.Rpc.Internal;

/// <summary>The outcome of looking for one length-prefixed message in a buffer.</summary>
internal enum FrameResult
{
    /// <summary>A whole message is there.</summary>
    Complete,

    /// <summary>The buffer ends inside the 5-byte prefix or the message.</summary>
    NeedMoreData,
}

/// <summary>
/// Reads and writes gRPC length-prefixed messages: 1 byte compressed flag, 4 bytes big-endian length,
/// the message. Shared by server and client so both check the same limits the same way.
/// </summary>
internal static class MessageFraming
{
    /// <summary>
    /// Takes one frame off the front of <paramref name="buffer"/>. Throws <see cref="RpcException"/> for a
    /// bad flag (INTERNAL) or a length above <paramref name="maxMessageSize"/> (RESOURCE_EXHAUSTED)
    /// as soon as the prefix is there, before any of the message is buffered.
    /// </summary>
    public static FrameResult TryReadFrame(ref ReadOnlySequence<byte> buffer, int maxMessageSize, out bool compressed, out ReadOnlySequence<byte> payload)
    {
        compressed = false;
        payload = default;
        if (buffer.Length < GrpcProtocol.HeaderSize)
        {
            return FrameResult.NeedMoreData;
        }

        Span<byte> header = stackalloc byte[GrpcProtocol.HeaderSize];
        buffer.Slice(0, GrpcProtocol.HeaderSize).CopyTo(header);
        var flag = header[0];
        if (flag > 1)
        {
            throw new RpcException(StatusCode.Internal, $"Invalid message frame: compressed flag is {flag}, expected 0 or 1.");
        }

        var length = BinaryPrimitives.ReadUInt32BigEndian(header[1..]);
        if (length > (uint)maxMessageSize)
        {
            throw new RpcException(StatusCode.ResourceExhausted, $"Received message larger than max ({length} vs. {maxMessageSize}).");
        }

        if (buffer.Length - GrpcProtocol.HeaderSize < length)
        {
            return FrameResult.NeedMoreData;
        }

        compressed = flag == 1;
        payload = buffer.Slice(GrpcProtocol.HeaderSize, length);
        buffer = buffer.Slice(payload.End);
        return FrameResult.Complete;
    }

    /// <summary>
    /// Reads the next message from <paramref name="reader"/>, or null at a clean end of stream.
    /// A stream that ends inside a frame is INTERNAL; bad protobuf bytes are INTERNAL too.
    /// </summary>
    public static async ValueTask<T?> ReadMessageAsync<T>(PipeReader reader, MessageParser<T> parser, int maxMessageSize, string? encoding, ICompressionObserver? observer, CancellationToken cancellationToken)
        where T : class, IMessage<T>
    {
        while (true)
        {
            var result = await reader.ReadAsync(cancellationToken).ConfigureAwait(false);
            var buffer = result.Buffer;
            FrameResult frame;
            bool compressed;
            ReadOnlySequence<byte> payload;
            try
            {
                frame = TryReadFrame(ref buffer, maxMessageSize, out compressed, out payload);
            }
            catch
            {
                reader.AdvanceTo(buffer.Start, buffer.End);
                throw;
            }

            if (frame == FrameResult.Complete)
            {
                try
                {
                    observer?.OnMessageRead(compressed);
                    return Parse(parser, payload, compressed, encoding, maxMessageSize);
                }
                finally
                {
                    reader.AdvanceTo(buffer.Start);
                }
            }

            if (result.IsCompleted)
            {
                var remaining = buffer.Length;
                reader.AdvanceTo(buffer.End);
                if (remaining == 0)
                {
                    return null;
                }

                throw new RpcException(StatusCode.Internal, $"Incomplete message: the stream ended after {remaining} byte(s) of a message frame.");
            }

            if (result.IsCanceled)
            {
                reader.AdvanceTo(buffer.Start, buffer.End);
                throw new OperationCanceledException(cancellationToken);
            }

            reader.AdvanceTo(buffer.Start, buffer.End);
        }
    }

    /// <summary>Reads exactly one message and the end of the stream (unary requests and responses).</summary>
    public static async ValueTask<T> ReadSingleMessageAsync<T>(PipeReader reader, MessageParser<T> parser, int maxMessageSize, string? encoding, ICompressionObserver? observer, string what, CancellationToken cancellationToken)
        where T : class, IMessage<T>
    {
        var message = await ReadMessageAsync(reader, parser, maxMessageSize, encoding, observer, cancellationToken).ConfigureAwait(false)
            ?? throw new RpcException(StatusCode.Internal, $"No {what} message: the stream ended before one was received.");
        while (true)
        {
            var result = await reader.ReadAsync(cancellationToken).ConfigureAwait(false);
            var length = result.Buffer.Length;
            reader.AdvanceTo(result.Buffer.End);
            if (length > 0)
            {
                throw new RpcException(StatusCode.Internal, $"More than one {what} message on a call that takes one.");
            }

            if (result.IsCompleted)
            {
                return message;
            }
        }
    }

    public static T Parse<T>(MessageParser<T> parser, ReadOnlySequence<byte> payload, bool compressed, string? encoding, int maxMessageSize)
        where T : class, IMessage<T>
    {
        if (compressed)
        {
            if (!GrpcProtocol.IsGzip(encoding))
            {
                throw new RpcException(StatusCode.Internal, $"A message is flagged compressed but the call's grpc-encoding is '{encoding ?? "identity"}'.");
            }

            var inflated = Gunzip(payload, maxMessageSize);
            return ParseBytes(parser, new ReadOnlySequence<byte>(inflated));
        }

        return ParseBytes(parser, payload);
    }

    private static T ParseBytes<T>(MessageParser<T> parser, ReadOnlySequence<byte> bytes)
        where T : class, IMessage<T>
    {
        try
        {
            return parser.ParseFrom(bytes);
        }
        catch (InvalidProtocolBufferException ex)
        {
            throw new RpcException(new Status(StatusCode.Internal, $"Failed to deserialize {typeof(T).Name}: {ex.Message}"), null, ex);
        }
    }

    /// <summary>Serializes one framed message into <paramref name="writer"/>, compressed when asked.</summary>
    public static void WriteMessage(IBufferWriter<byte> writer, IMessage message, bool compress, int maxMessageSize)
    {
        var size = message.CalculateSize();
        if (size > maxMessageSize)
        {
            throw new RpcException(StatusCode.ResourceExhausted, $"Sending message exceeds maximum size ({size} vs. {maxMessageSize}).");
        }

        if (!compress)
        {
            var span = writer.GetSpan(GrpcProtocol.HeaderSize + size);
            span[0] = 0;
            BinaryPrimitives.WriteUInt32BigEndian(span[1..], (uint)size);
            message.WriteTo(span.Slice(GrpcProtocol.HeaderSize, size));
            writer.Advance(GrpcProtocol.HeaderSize + size);
            return;
        }

        var raw = ArrayPool<byte>.Shared.Rent(size);
        try
        {
            message.WriteTo(raw.AsSpan(0, size));
            using var compressedStream = new MemoryStream();
            using (var gzip = new GZipStream(compressedStream, CompressionLevel.Fastest, leaveOpen: true))
            {
                gzip.Write(raw, 0, size);
            }

            var length = (int)compressedStream.Length;
            var span = writer.GetSpan(GrpcProtocol.HeaderSize + length);
            span[0] = 1;
            BinaryPrimitives.WriteUInt32BigEndian(span[1..], (uint)length);
            compressedStream.GetBuffer().AsSpan(0, length).CopyTo(span[GrpcProtocol.HeaderSize..]);
            writer.Advance(GrpcProtocol.HeaderSize + length);
        }
        finally
        {
            ArrayPool<byte>.Shared.Return(raw);
        }
    }

    private static byte[] Gunzip(ReadOnlySequence<byte> payload, int maxMessageSize)
    {
        using var input = new MemoryStream(payload.ToArray(), writable: false);
        using var gzip = new GZipStream(input, CompressionMode.Decompress);
        using var output = new MemoryStream();
        var chunk = ArrayPool<byte>.Shared.Rent(16 * 1024);
        try
        {
            int read;
            while ((read = ReadGzip(gzip, chunk)) > 0)
            {
                if (output.Length + read > maxMessageSize)
                {
                    throw new RpcException(StatusCode.ResourceExhausted, $"Received message larger than max when decompressed (over {maxMessageSize} bytes).");
                }

                output.Write(chunk, 0, read);
            }
        }
        finally
        {
            ArrayPool<byte>.Shared.Return(chunk);
        }

        return output.ToArray();
    }

    private static int ReadGzip(GZipStream gzip, byte[] chunk)
    {
        try
        {
            return gzip.Read(chunk, 0, chunk.Length);
        }
        catch (InvalidDataException ex)
        {
            throw new RpcException(new Status(StatusCode.Internal, $"Failed to decompress a gzip message: {ex.Message}"), null, ex);
        }
    }
}
