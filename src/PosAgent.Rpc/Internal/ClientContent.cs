using System.Buffers;
using System.Net;
using System.Net.Http.Headers;
using Google.Protobuf;

namespace PosAgent.Rpc.Internal;

/// <summary>The body of a call with one request message, serialized straight into a pooled buffer.</summary>
internal sealed class UnaryRequestContent : HttpContent
{
    internal static readonly MediaTypeHeaderValue GrpcContentType = new(GrpcProtocol.ContentType);

    private readonly IMessage _message;
    private readonly bool _compress;
    private readonly int _maxMessageSize;
    private readonly int _size;

    public UnaryRequestContent(IMessage message, bool compress, int maxMessageSize)
    {
        _message = message;
        _compress = compress;
        _maxMessageSize = maxMessageSize;
        _size = compress ? -1 : message.CalculateSize();
        Headers.ContentType = GrpcContentType;
    }

    protected override Task SerializeToStreamAsync(Stream stream, TransportContext? context) => SerializeToStreamAsync(stream, context, CancellationToken.None);

    protected override async Task SerializeToStreamAsync(Stream stream, TransportContext? context, CancellationToken cancellationToken)
    {
        using var buffer = new PooledBufferWriter();
        MessageFraming.WriteMessage(buffer, _message, _compress, _maxMessageSize);
        await stream.WriteAsync(buffer.WrittenMemory, cancellationToken).ConfigureAwait(false);
    }

    // A known length lets HTTP/2 end the stream with the message's own DATA frame (no extra frame and hop).
    protected override bool TryComputeLength(out long length)
    {
        length = _size < 0 ? 0 : GrpcProtocol.HeaderSize + _size;
        return _size >= 0;
    }
}

/// <summary>The body of a client- or duplex-streaming call: messages are pushed as the caller writes them.</summary>
internal sealed class StreamingRequestContent : HttpContent
{
    private readonly TaskCompletionSource<Stream> _stream = new(TaskCreationOptions.RunContinuationsAsynchronously);
    private readonly TaskCompletionSource _completed = new(TaskCreationOptions.RunContinuationsAsynchronously);

    public StreamingRequestContent() => Headers.ContentType = UnaryRequestContent.GrpcContentType;

    public Task<Stream> StreamAsync => _stream.Task;

    public void Complete() => _completed.TrySetResult();

    public void Abort()
    {
        _stream.TrySetCanceled();
        _completed.TrySetCanceled();
    }

    protected override Task SerializeToStreamAsync(Stream stream, TransportContext? context)
    {
        _stream.TrySetResult(stream);
        return _completed.Task;
    }

    protected override bool TryComputeLength(out long length)
    {
        length = 0;
        return false;
    }
}

/// <summary>An <see cref="IBufferWriter{T}"/> over a rented array, returned on dispose.</summary>
internal sealed class PooledBufferWriter : IBufferWriter<byte>, IDisposable
{
    private byte[]? _buffer;
    private int _written;

    public ReadOnlyMemory<byte> WrittenMemory => _buffer.AsMemory(0, _written);

    public void Advance(int count) => _written += count;

    public Memory<byte> GetMemory(int sizeHint = 0)
    {
        Ensure(sizeHint);
        return _buffer.AsMemory(_written);
    }

    public Span<byte> GetSpan(int sizeHint = 0)
    {
        Ensure(sizeHint);
        return _buffer.AsSpan(_written);
    }

    public void Dispose()
    {
        if (_buffer is not null)
        {
            ArrayPool<byte>.Shared.Return(_buffer);
            _buffer = null;
        }
    }

    private void Ensure(int sizeHint)
    {
        var needed = _written + Math.Max(sizeHint, 256);
        if (_buffer is null)
        {
            _buffer = ArrayPool<byte>.Shared.Rent(needed);
        }
        else if (_buffer.Length < needed)
        {
            var bigger = ArrayPool<byte>.Shared.Rent(Math.Max(needed, _buffer.Length * 2));
            _buffer.AsSpan(0, _written).CopyTo(bigger);
            ArrayPool<byte>.Shared.Return(_buffer);
            _buffer = bigger;
        }
    }
}
