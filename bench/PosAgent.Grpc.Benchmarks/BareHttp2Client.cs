using System.Net;
using System.Net.Http.Headers;
using Google.Protobuf;
using PosAgent.Grpc.Benchmarks.Echo;

namespace PosAgent.Grpc.Benchmarks;

/// <summary>
/// A bare HttpClient handler sending one POST over HTTP/2 with prior knowledge and reading the answer to
/// its end. The body is the gRPC frame of the echo request, so the same client can call the bare echo
/// endpoint (the floor) and a gRPC server (that server's share of the cost alone).
/// </summary>
internal sealed class BareHttp2Client : IDisposable
{
    public static readonly byte[] Body = GrpcFrameOfRequest();

    private static readonly MediaTypeHeaderValue GrpcContentType = new("application/grpc");
    private static readonly MediaTypeHeaderValue OctetStream = new("application/octet-stream");

    private readonly HttpMessageInvoker _invoker;
    private readonly Uri _uri;
    private readonly bool _asGrpc;

    public BareHttp2Client(Uri baseAddress, string path, string? unixSocketPath, bool asGrpc)
    {
        _invoker = new HttpMessageInvoker(Transports.CreateHandler(unixSocketPath));
        _uri = new Uri(baseAddress, path);
        _asGrpc = asGrpc;
    }

    public async Task CallAsync()
    {
        using var request = new HttpRequestMessage(HttpMethod.Post, _uri)
        {
            Version = HttpVersion.Version20,
            VersionPolicy = HttpVersionPolicy.RequestVersionExact,
            Content = new ByteArrayContent(Body),
        };
        request.Content.Headers.ContentType = _asGrpc ? GrpcContentType : OctetStream;
        if (_asGrpc)
        {
            request.Headers.TryAddWithoutValidation("TE", "trailers");
        }

        using var response = await _invoker.SendAsync(request, CancellationToken.None);
        response.EnsureSuccessStatusCode();
        await using var stream = await response.Content.ReadAsStreamAsync();
        var buffer = new byte[64];
        var read = 0;
        int n;
        while ((n = await stream.ReadAsync(buffer.AsMemory(read))) > 0)
        {
            read += n;
        }

        // The echo reply's frame is as long as the request's: anything else is an error answer.
        if (read != Body.Length)
        {
            throw new InvalidOperationException($"{_uri} answered {read} bytes instead of {Body.Length}.");
        }
    }

    public void Dispose() => _invoker.Dispose();

    private static byte[] GrpcFrameOfRequest()
    {
        var message = new EchoRequest { Payload = ByteString.CopyFrom(Payload.Bytes) }.ToByteArray();
        var frame = new byte[5 + message.Length];
        System.Buffers.Binary.BinaryPrimitives.WriteUInt32BigEndian(frame.AsSpan(1), (uint)message.Length);
        message.CopyTo(frame, 5);
        return frame;
    }
}
