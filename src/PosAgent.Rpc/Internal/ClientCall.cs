using System.Buffers;
using System.Buffers.Binary;
using System.IO.Pipelines;
using System.Net.Http.Headers;
using Google.Protobuf;

namespace PosAgent.Rpc.Internal;

/// <summary>
/// The client side of one call: sends the request, reads the response messages and the status, and maps
/// every failure to <see cref="RpcException"/> (or <see cref="OperationCanceledException"/> when the
/// caller's token cancelled it).
/// </summary>
internal sealed class ClientCall<TRequest, TResponse> : IDisposable
    where TRequest : class, IMessage<TRequest>, new()
    where TResponse : class, IMessage<TResponse>, new()
{
    private static readonly StreamPipeReaderOptions ReaderOptions = new(bufferSize: 16 * 1024, minimumReadSize: 4 * 1024, leaveOpen: false);

    private readonly GrpcChannel _channel;
    private readonly GrpcMethod<TRequest, TResponse> _method;
    private readonly CancellationToken _userToken;
    private readonly CancellationTokenSource? _cts;
    private readonly CancellationTokenRegistration _userRegistration;
    private readonly CancellationTokenRegistration _abortRegistration;
    private readonly bool _hasDeadline;
    private readonly DateTime _deadline;
    private readonly TimeSpan _timeout;
    private readonly Metadata? _headers;
    private readonly bool _compress;
    private Task<HttpResponseMessage>? _sendTask;
    private HttpResponseMessage? _response;
    private PipeReader? _reader;
    private StreamingRequestContent? _streamingContent;
    private Status? _status;
    private Metadata? _trailers;
    private HttpHeaders? _trailerHeaders;
    private bool _disposed;

    public ClientCall(GrpcChannel channel, GrpcMethod<TRequest, TResponse> method, in CallOptions options, bool needsOwnCancellation)
    {
        _channel = channel;
        _method = method;
        _userToken = options.CancellationToken;
        _headers = options.Headers;
        var compression = options.WriteCompression ?? channel.Options.RequestCompression;
        _compress = compression is not null && GrpcProtocol.IsGzip(compression);
        if (compression is not null && !_compress && !GrpcProtocol.IsIdentity(compression))
        {
            throw new ArgumentException($"Compression '{compression}' is not supported; use \"gzip\" or \"identity\".", nameof(options));
        }

        var timeProvider = channel.Options.TimeProvider;
        DateTime? deadline = options.Deadline;
        if (options.Timeout is { } timeout)
        {
            var fromTimeout = timeProvider.GetUtcNow().UtcDateTime + timeout;
            deadline = deadline is { } d && d < fromTimeout ? d : fromTimeout;
        }

        if (deadline is { } when && when != DateTime.MaxValue)
        {
            _hasDeadline = true;
            _deadline = when.Kind == DateTimeKind.Local ? when.ToUniversalTime() : when;
            _timeout = _deadline - timeProvider.GetUtcNow().UtcDateTime;
            if (_timeout <= TimeSpan.Zero)
            {
                _timeout = TimeSpan.Zero;
            }

            _cts = _timeout.TotalMilliseconds < uint.MaxValue - 1
                ? new CancellationTokenSource(_timeout, timeProvider)
                : new CancellationTokenSource();
        }
        else if (needsOwnCancellation)
        {
            _cts = new CancellationTokenSource();
        }

        if (_cts is not null && _userToken.CanBeCanceled)
        {
            _userRegistration = _userToken.UnsafeRegister(static s => ((CancellationTokenSource)s!).Cancel(), _cts);
        }

        Token = _cts?.Token ?? _userToken;
        if (Token.CanBeCanceled)
        {
            // Cancelling must reach the server (RST_STREAM) even when no read or write is pending.
            _abortRegistration = Token.UnsafeRegister(static s => ((ClientCall<TRequest, TResponse>)s!).Abort(), this);
        }
    }

    public CancellationToken Token { get; }

    private bool DeadlineFired => _hasDeadline && _cts!.IsCancellationRequested && !_userToken.IsCancellationRequested && !_disposed;

    /// <summary>Sends the request with one message (unary and server-streaming).</summary>
    public void StartUnaryRequest(TRequest request)
    {
        ArgumentNullException.ThrowIfNull(request);
        Send(new UnaryRequestContent(request, _compress, _channel.Options.MaxSendMessageSize));
    }

    /// <summary>Sends the request headers; messages follow through <see cref="WriteAsync"/>.</summary>
    public void StartStreamingRequest()
    {
        _streamingContent = new StreamingRequestContent();
        Send(_streamingContent);
    }

    public async Task<TResponse> UnaryResponseAsync()
    {
        try
        {
            await EnsureResponseAsync().ConfigureAwait(false);
            TResponse? message = null;
            if (_status is null)
            {
                message = await ReadUnaryBodyAsync().ConfigureAwait(false);
                ReadStatusFromTrailers();
            }

            ThrowIfFailed();
            return message ?? throw Fail(new Status(StatusCode.Internal, "The server ended the call with OK but sent no response message."));
        }
        catch (RpcException ex)
        {
            _status ??= ex.Status;
            _trailers ??= ex.Trailers;
            throw;
        }
        catch (Exception ex)
        {
            throw MapException(ex);
        }
        finally
        {
            ReleaseResponse();
        }
    }

    /// <summary>The next response message, or null after the last one (status OK); throws for a failed call.</summary>
    public async Task<TResponse?> ReadNextAsync(CancellationToken cancellationToken)
    {
        try
        {
            await EnsureResponseAsync().ConfigureAwait(false);
            if (_status is not null)
            {
                ThrowIfFailed();
                return null;
            }

            var token = cancellationToken.CanBeCanceled ? cancellationToken : Token;
            var reader = await GetReaderAsync().ConfigureAwait(false);
            var message = await MessageFraming.ReadMessageAsync(reader, _method.ResponseParser, _channel.Options.MaxReceiveMessageSize, ResponseEncoding, null, token).ConfigureAwait(false);
            if (message is not null)
            {
                return message;
            }

            ReadStatusFromTrailers();
            ThrowIfFailed();
            ReleaseResponse();
            return null;
        }
        catch (RpcException ex)
        {
            _status ??= ex.Status;
            _trailers ??= ex.Trailers;
            throw;
        }
        catch (Exception ex)
        {
            throw MapException(ex);
        }
    }

    public async Task WriteAsync(TRequest message, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(message);
        var content = _streamingContent ?? throw new InvalidOperationException("This call has no request stream.");
        try
        {
            var token = cancellationToken.CanBeCanceled ? cancellationToken : Token;
            var stream = await content.StreamAsync.WaitAsync(token).ConfigureAwait(false);
            using var buffer = new PooledBufferWriter();
            MessageFraming.WriteMessage(buffer, message, _compress, _channel.Options.MaxSendMessageSize);
            await stream.WriteAsync(buffer.WrittenMemory, token).ConfigureAwait(false);
            await stream.FlushAsync(token).ConfigureAwait(false);
        }
        catch (RpcException)
        {
            throw;
        }
        catch (Exception ex)
        {
            // A write fails when the server already ended the call: its status says why.
            if (_sendTask is { IsCompletedSuccessfully: true } && !_userToken.IsCancellationRequested && !DeadlineFired)
            {
                try
                {
                    await EnsureResponseAsync().ConfigureAwait(false);
                    if (_status is { StatusCode: not StatusCode.OK } status)
                    {
                        throw new RpcException(status, Trailers, ex);
                    }
                }
                catch (RpcException)
                {
                    throw;
                }
                catch (Exception)
                {
                    // Fall through to the write's own error.
                }
            }

            throw MapException(ex);
        }
    }

    public Task CompleteRequestAsync()
    {
        _streamingContent?.Complete();
        return Task.CompletedTask;
    }

    public async Task<Metadata> GetResponseHeadersAsync()
    {
        try
        {
            await EnsureResponseAsync().ConfigureAwait(false);
        }
        catch (RpcException) when (_response is not null)
        {
            // A trailers-only failure still has headers.
        }
        catch (Exception ex) when (ex is not RpcException)
        {
            throw MapException(ex);
        }

        var metadata = new Metadata();
        if (_response is not null)
        {
            foreach (var header in _response.Headers.NonValidated)
            {
                GrpcProtocol.AddHeaderValues(metadata, header.Key, header.Value);
            }
        }

        return metadata;
    }

    public Status GetStatus() => _status ?? throw new InvalidOperationException("The call has not finished: its status is not known yet.");

    public Metadata GetTrailers() => Trailers ?? throw new InvalidOperationException("The call has not finished: its trailers are not known yet.");

    // Converted only when asked for: a successful call never needs its trailers as metadata.
    private Metadata? Trailers => _trailers ??= _trailerHeaders is null ? null : ToMetadata(_trailerHeaders.NonValidated);

    public void Dispose()
    {
        if (_disposed)
        {
            return;
        }

        _disposed = true;
        _streamingContent?.Abort();
        if (_status is null)
        {
            // Unfinished: cancel so the server sees RST_STREAM.
            _cts?.Cancel();
        }

        ReleaseResponse();
        _abortRegistration.Dispose();
        _userRegistration.Dispose();
        _cts?.Dispose();
    }

    private string? ResponseEncoding { get; set; }

    private void Send(HttpContent content)
    {
        if (_hasDeadline && _timeout <= TimeSpan.Zero)
        {
            throw Fail(new Status(StatusCode.DeadlineExceeded, "Deadline Exceeded: the deadline passed before the call started."));
        }

        var request = new HttpRequestMessage(HttpMethod.Post, _channel.GetUri(_method.Path))
        {
            Version = System.Net.HttpVersion.Version20,
            VersionPolicy = HttpVersionPolicy.RequestVersionExact,
            Content = content,
        };
        var headers = request.Headers;
        headers.TryAddWithoutValidation("TE", "trailers");
        headers.TryAddWithoutValidation("User-Agent", GrpcChannel.UserAgent);
        headers.TryAddWithoutValidation(GrpcProtocol.AcceptEncodingHeader, GrpcProtocol.SupportedEncodings);
        if (_compress)
        {
            headers.TryAddWithoutValidation(GrpcProtocol.EncodingHeader, GrpcProtocol.Gzip);
        }

        if (_hasDeadline)
        {
            headers.TryAddWithoutValidation(GrpcProtocol.TimeoutHeader, GrpcProtocol.FormatTimeout(_timeout));
        }

        if (_headers is not null)
        {
            foreach (var entry in _headers)
            {
                headers.TryAddWithoutValidation(entry.Key, entry.IsBinary ? Convert.ToBase64String(entry.ValueBytes) : entry.Value);
            }
        }

        _sendTask = _channel.Invoker.SendAsync(request, Token);
    }

    private async ValueTask EnsureResponseAsync()
    {
        if (_response is not null || _status is not null)
        {
            return;
        }

        var response = await _sendTask!.ConfigureAwait(false);
        _response = response;
        if (Token.IsCancellationRequested)
        {
            Abort();
            Token.ThrowIfCancellationRequested();
        }
        var headers = response.Headers.NonValidated;
        if (response.StatusCode != System.Net.HttpStatusCode.OK)
        {
            var code = headers.TryGetValues(GrpcProtocol.StatusHeader, out var s) && TryParseStatus(s, out var parsed)
                ? parsed
                : GrpcProtocol.FromHttpStatus((int)response.StatusCode);
            _trailers = [];
            throw Fail(new Status(code, $"Bad gRPC response. HTTP status code: {(int)response.StatusCode}." + MessageSuffix(headers)));
        }

        var contentType = response.Content.Headers.NonValidated.TryGetValues("Content-Type", out var ct) ? First(ct) : null;
        if (!GrpcProtocol.IsGrpcContentType(contentType))
        {
            _trailers = [];
            throw Fail(new Status(StatusCode.Internal, $"Bad gRPC response. Invalid content-type value: '{contentType}'."));
        }

        if (headers.TryGetValues(GrpcProtocol.StatusHeader, out var statusValues))
        {
            // Trailers-only: the status and trailers came in the headers.
            _status = ParseStatus(statusValues, headers);
            _trailerHeaders = response.Headers;
            return;
        }

        if (headers.TryGetValues(GrpcProtocol.EncodingHeader, out var encoding))
        {
            var value = First(encoding);
            if (!GrpcProtocol.IsSupportedEncoding(value))
            {
                throw Fail(new Status(StatusCode.Internal, $"The server used grpc-encoding '{value}', which this client does not support."));
            }

            ResponseEncoding = GrpcProtocol.IsIdentity(value) ? null : value;
        }
    }

    private async ValueTask<PipeReader> GetReaderAsync()
    {
        if (_reader is null)
        {
            var stream = await _response!.Content.ReadAsStreamAsync(Token).ConfigureAwait(false);
            _reader = PipeReader.Create(stream, ReaderOptions);
        }

        return _reader;
    }

    /// <summary>
    /// Reads a unary response body to its end into one pooled buffer (no pipe per call), sized by the
    /// frame's prefix, and parses the single message in it.
    /// </summary>
    private async Task<TResponse?> ReadUnaryBodyAsync()
    {
        var stream = await _response!.Content.ReadAsStreamAsync(Token).ConfigureAwait(false);
        var max = _channel.Options.MaxReceiveMessageSize;
        var buffer = ArrayPool<byte>.Shared.Rent(4096);
        var length = 0;
        var expected = -1;
        try
        {
            while (true)
            {
                if (length == buffer.Length)
                {
                    var bigger = ArrayPool<byte>.Shared.Rent(expected > length ? expected : buffer.Length * 2);
                    buffer.AsSpan(0, length).CopyTo(bigger);
                    ArrayPool<byte>.Shared.Return(buffer);
                    buffer = bigger;
                }

                var read = await stream.ReadAsync(buffer.AsMemory(length), Token).ConfigureAwait(false);
                if (read == 0)
                {
                    break;
                }

                length += read;
                if (expected < 0 && length >= GrpcProtocol.HeaderSize)
                {
                    var prefix = new ReadOnlySequence<byte>(buffer, 0, GrpcProtocol.HeaderSize);
                    // Throws RESOURCE_EXHAUSTED for a prefix above the limit, before reading the message.
                    MessageFraming.TryReadFrame(ref prefix, max, out _, out _);
                    expected = GrpcProtocol.HeaderSize + (int)BinaryPrimitives.ReadUInt32BigEndian(buffer.AsSpan(1, 4));
                }

                if (expected >= 0 && length > expected)
                {
                    throw Fail(new Status(StatusCode.Internal, "The server sent more than one response message on a unary call."));
                }
            }

            if (length == 0)
            {
                return null;
            }

            var body = new ReadOnlySequence<byte>(buffer, 0, length);
            if (MessageFraming.TryReadFrame(ref body, max, out var compressed, out var payload) != FrameResult.Complete)
            {
                throw Fail(new Status(StatusCode.Internal, $"Incomplete message: the response ended after {length} byte(s) of a message frame."));
            }

            return MessageFraming.Parse(_method.ResponseParser, payload, compressed, ResponseEncoding, max);
        }
        finally
        {
            ArrayPool<byte>.Shared.Return(buffer);
        }
    }

    private void ReadStatusFromTrailers()
    {
        if (_status is not null)
        {
            return;
        }

        _trailerHeaders = _response!.TrailingHeaders;
        var trailers = _trailerHeaders.NonValidated;
        _status = trailers.TryGetValues(GrpcProtocol.StatusHeader, out var values)
            ? ParseStatus(values, trailers)
            : new Status(StatusCode.Unknown, "The server ended the call without a grpc-status.");
    }

    private void ThrowIfFailed()
    {
        if (_status is { StatusCode: not StatusCode.OK } status)
        {
            throw new RpcException(status, Trailers);
        }
    }

    private RpcException Fail(Status status)
    {
        _status = status;
        _trailers ??= Trailers ?? [];
        return new RpcException(status, _trailers);
    }

    private Exception MapException(Exception ex)
    {
        if (ex is RpcException rpc)
        {
            return rpc;
        }

        if (_userToken.IsCancellationRequested)
        {
            _status ??= new Status(StatusCode.Cancelled, "Call cancelled by the caller.");
            return ex as OperationCanceledException ?? new OperationCanceledException("The gRPC call was cancelled by the caller.", ex, _userToken);
        }

        if (DeadlineFired)
        {
            return Wrap(new Status(StatusCode.DeadlineExceeded, "Deadline Exceeded"), ex);
        }

        if (_disposed)
        {
            return Wrap(new Status(StatusCode.Cancelled, "The call was disposed."), ex);
        }

        var protocol = ex as HttpProtocolException ?? ex.InnerException as HttpProtocolException;
        if (protocol is not null)
        {
            // HTTP/2 error codes: REFUSED_STREAM 0x7, CANCEL 0x8, ENHANCE_YOUR_CALM 0xb.
            var code = protocol.ErrorCode switch
            {
                0x7 => StatusCode.Unavailable,
                0x8 => StatusCode.Cancelled,
                0xb => StatusCode.ResourceExhausted,
                _ => StatusCode.Internal,
            };
            return Wrap(new Status(code, $"The HTTP/2 stream was reset with error code {protocol.ErrorCode}: {protocol.Message}"), ex);
        }

        return ex switch
        {
            HttpRequestException => Wrap(new Status(StatusCode.Unavailable, $"Error starting the gRPC call ({_channel.Address}): {ex.Message}"), ex),
            IOException => Wrap(new Status(StatusCode.Unavailable, $"The connection failed during the gRPC call: {ex.Message}"), ex),
            OperationCanceledException => Wrap(new Status(StatusCode.Cancelled, "The gRPC call was cancelled."), ex),
            _ => Wrap(new Status(StatusCode.Internal, $"The gRPC call failed: {ex.GetType().Name}: {ex.Message}"), ex),
        };
    }

    private RpcException Wrap(Status status, Exception inner)
    {
        _status ??= status;
        _trailers ??= Trailers ?? [];
        return new RpcException(status, _trailers, inner);
    }

    private void Abort()
    {
        _streamingContent?.Abort();
        if (_status is null)
        {
            // Disposing an unfinished HTTP/2 response resets its stream (RST_STREAM CANCEL).
            Volatile.Read(ref _response)?.Dispose();
        }
    }

    private void ReleaseResponse()
    {
        _reader?.Complete();
        _reader = null;
        _response?.Dispose();
    }

    private static Status ParseStatus(HeaderStringValues values, HttpHeadersNonValidated headers)
    {
        if (!TryParseStatus(values, out var code))
        {
            return new Status(StatusCode.Unknown, $"The server sent an invalid grpc-status '{First(values)}'.");
        }

        var message = headers.TryGetValues(GrpcProtocol.MessageHeader, out var m) ? GrpcProtocol.DecodeMessage(First(m)) : string.Empty;
        return new Status(code, message);
    }

    private static bool TryParseStatus(HeaderStringValues values, out StatusCode code)
    {
        var text = First(values);
        if (int.TryParse(text, System.Globalization.NumberStyles.None, System.Globalization.CultureInfo.InvariantCulture, out var value))
        {
            code = (StatusCode)value;
            return true;
        }

        code = StatusCode.Unknown;
        return false;
    }

    private static string MessageSuffix(HttpHeadersNonValidated headers) =>
        headers.TryGetValues(GrpcProtocol.MessageHeader, out var m) ? " " + GrpcProtocol.DecodeMessage(First(m)) : string.Empty;

    private static string? First(HeaderStringValues values)
    {
        foreach (var value in values)
        {
            return value;
        }

        return null;
    }

    private static Metadata ToMetadata(HttpHeadersNonValidated headers)
    {
        var metadata = new Metadata();
        foreach (var header in headers)
        {
            GrpcProtocol.AddHeaderValues(metadata, header.Key, header.Value);
        }

        return metadata;
    }
}
