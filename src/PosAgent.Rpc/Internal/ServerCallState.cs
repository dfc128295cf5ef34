using System.Buffers;
using System.IO.Pipelines;
using Google.Protobuf;
using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.Http.Features;
using Microsoft.AspNetCore.Server.Kestrel.Core.Features;
using Microsoft.Extensions.Primitives;

namespace PosAgent.Rpc.Internal;

/// <summary>Told whether each message read arrived compressed (without a delegate per call).</summary>
internal interface ICompressionObserver
{
    void OnMessageRead(bool compressed);
}

/// <summary>The server side of one call: deadline, response state, reading and writing messages.</summary>
internal sealed class ServerCallState : ICompressionObserver, IDisposable
{
    private CancellationTokenSource? _deadlineCts;
    private CancellationTokenRegistration _abortRegistration;
    private bool _headersSent;
    private bool _callerAcceptsGzip;
    private bool _compressionSent;

    public ServerCallState(HttpContext httpContext, ServerMethodHandler method)
    {
        HttpContext = httpContext;
        Method = method;
        CancellationToken = httpContext.RequestAborted;
    }

    public HttpContext HttpContext { get; }

    public ServerMethodHandler Method { get; }

    public DateTime Deadline { get; private set; } = DateTime.MaxValue;

    public CancellationToken CancellationToken { get; private set; }

    public bool DeadlineExceeded => _deadlineCts is { IsCancellationRequested: true } && !HttpContext.RequestAborted.IsCancellationRequested;

    public string? RequestEncoding { get; private set; }

    public string? ResponseCompression { get; set; }

    public bool LastRequestCompressed { get; private set; }

    /// <summary>Whether any message or header went out: then the status must go in trailers.</summary>
    public bool ResponseStarted { get; private set; }

    public ServerCallContext? Context { get; set; }

    public void OnMessageRead(bool compressed) => LastRequestCompressed = compressed;

    /// <summary>Reads the protocol headers; a status to answer with when the call cannot go on.</summary>
    public Status? Initialize(GrpcServerOptions options, TimeProvider timeProvider)
    {
        var headers = HttpContext.Request.Headers;
        var encoding = headers[GrpcProtocol.EncodingHeader];
        if (encoding.Count > 0)
        {
            var value = encoding[0];
            if (!GrpcProtocol.IsSupportedEncoding(value))
            {
                HttpContext.Response.Headers[GrpcProtocol.AcceptEncodingHeader] = GrpcProtocol.SupportedEncodings;
                return new Status(StatusCode.Unimplemented, $"Unsupported grpc-encoding value '{value}'. Supported encodings: {GrpcProtocol.SupportedEncodings}.");
            }

            RequestEncoding = GrpcProtocol.IsIdentity(value) ? null : value;
        }

        _callerAcceptsGzip = GrpcProtocol.AcceptsGzip(headers[GrpcProtocol.AcceptEncodingHeader]);
        if (options.ResponseCompressionAlgorithm is { } algorithm && GrpcProtocol.IsGzip(algorithm) && _callerAcceptsGzip)
        {
            ResponseCompression = GrpcProtocol.Gzip;
        }

        var timeout = headers[GrpcProtocol.TimeoutHeader];
        if (timeout.Count > 0 && GrpcProtocol.TryParseTimeout(timeout[0], out var span))
        {
            Deadline = timeProvider.GetUtcNow().UtcDateTime + span;
            // CancellationTokenSource takes at most ~49 days; a longer deadline needs no timer.
            if (span.TotalMilliseconds < uint.MaxValue - 1)
            {
                _deadlineCts = new CancellationTokenSource(span, timeProvider);
                _abortRegistration = HttpContext.RequestAborted.UnsafeRegister(static s => ((CancellationTokenSource)s!).Cancel(), _deadlineCts);
                CancellationToken = _deadlineCts.Token;
            }
        }

        // Streams may last long and carry little: Kestrel's body-rate and body-size limits do not fit.
        var features = HttpContext.Features;
        if (features.Get<IHttpMaxRequestBodySizeFeature>() is { IsReadOnly: false } size)
        {
            size.MaxRequestBodySize = null;
        }

        if (Method.Type != MethodType.Unary)
        {
            if (features.Get<IHttpMinRequestBodyDataRateFeature>() is { } requestRate)
            {
                requestRate.MinDataRate = null;
            }

            if (features.Get<IHttpMinResponseDataRateFeature>() is { } responseRate)
            {
                responseRate.MinDataRate = null;
            }
        }

        return null;
    }

    public ValueTask<T> ReadSingleMessageAsync<T>(MessageParser<T> parser)
        where T : class, IMessage<T> =>
        MessageFraming.ReadSingleMessageAsync(HttpContext.Request.BodyReader, parser, Method.Options.MaxReceiveMessageSize, RequestEncoding, this, "request", CancellationToken);

    public ValueTask<T?> ReadMessageAsync<T>(MessageParser<T> parser, CancellationToken cancellationToken)
        where T : class, IMessage<T> =>
        MessageFraming.ReadMessageAsync(HttpContext.Request.BodyReader, parser, Method.Options.MaxReceiveMessageSize, RequestEncoding, this, cancellationToken);

    public async Task WriteResponseHeadersAsync(Metadata headers, CancellationToken cancellationToken)
    {
        if (_headersSent || ResponseStarted)
        {
            throw new InvalidOperationException("Response headers were sent already; they can be sent only once, before the first message.");
        }

        AppendMetadata(HttpContext.Response.Headers, headers);
        PrepareHeaders();
        _headersSent = true;
        ResponseStarted = true;
        await HttpContext.Response.BodyWriter.FlushAsync(cancellationToken).ConfigureAwait(false);
    }

    /// <summary>Writes one message; flushed at once for streams, left buffered for unary (sent with the trailers).</summary>
    public ValueTask WriteMessageAsync(IMessage message, bool flush, CancellationToken cancellationToken)
    {
        if (!_headersSent)
        {
            PrepareHeaders();
            _headersSent = true;
        }

        ResponseStarted = true;
        // Compression chosen after the headers went out cannot apply: grpc-encoding is in the headers.
        var compress = _compressionSent && (Context?.CompressResponses ?? true);
        var writer = HttpContext.Response.BodyWriter;
        MessageFraming.WriteMessage(writer, message, compress, Method.Options.MaxSendMessageSize);
        if (!flush)
        {
            return ValueTask.CompletedTask;
        }

        var pending = writer.FlushAsync(cancellationToken);
        return pending.IsCompletedSuccessfully ? CheckFlush(pending.Result) : AwaitFlush(pending);
    }

    /// <summary>Sends the status: in the headers if nothing went out yet (trailers-only), else in trailers.</summary>
    public void WriteStatus(Status status, Metadata? trailers)
    {
        var response = HttpContext.Response;
        if (!ResponseStarted && !response.HasStarted)
        {
            var headers = response.Headers;
            headers[GrpcProtocol.StatusHeader] = GrpcProtocol.StatusToString(status.StatusCode);
            if (!string.IsNullOrEmpty(status.Detail))
            {
                headers[GrpcProtocol.MessageHeader] = GrpcProtocol.EncodeMessage(status.Detail);
            }

            if (trailers is not null)
            {
                AppendMetadata(headers, trailers);
            }

            return;
        }

        response.AppendTrailer(GrpcProtocol.StatusHeader, GrpcProtocol.StatusToString(status.StatusCode));
        if (!string.IsNullOrEmpty(status.Detail))
        {
            response.AppendTrailer(GrpcProtocol.MessageHeader, GrpcProtocol.EncodeMessage(status.Detail));
        }

        if (trailers is not null)
        {
            foreach (var entry in trailers)
            {
                response.AppendTrailer(entry.Key, entry.IsBinary ? Convert.ToBase64String(entry.ValueBytes) : entry.Value);
            }
        }
    }

    public static Metadata ReadRequestHeaders(IHeaderDictionary headers)
    {
        var metadata = new Metadata();
        foreach (var header in headers)
        {
            GrpcProtocol.AddHeaderValues(metadata, header.Key, header.Value);
        }

        return metadata;
    }

    public void Dispose()
    {
        _abortRegistration.Dispose();
        _deadlineCts?.Dispose();
    }

    private static void AppendMetadata(IHeaderDictionary headers, Metadata metadata)
    {
        foreach (var entry in metadata)
        {
            var value = entry.IsBinary ? Convert.ToBase64String(entry.ValueBytes) : entry.Value;
            headers.Append(entry.Key, new StringValues(value));
        }
    }

    private void PrepareHeaders()
    {
        if (!_callerAcceptsGzip)
        {
            // A handler may ask for compression, but only a caller that accepts gzip gets it.
            ResponseCompression = null;
        }

        if (ResponseCompression is not null)
        {
            HttpContext.Response.Headers[GrpcProtocol.EncodingHeader] = ResponseCompression;
            _compressionSent = true;
        }
    }

    private static ValueTask CheckFlush(FlushResult result)
    {
        if (result.IsCanceled || result.IsCompleted)
        {
            throw new OperationCanceledException("The caller ended the call: the response stream is closed.");
        }

        return ValueTask.CompletedTask;
    }

    private static async ValueTask AwaitFlush(ValueTask<FlushResult> pending)
    {
        var result = await pending.ConfigureAwait(false);
        await CheckFlush(result).ConfigureAwait(false);
    }
}
