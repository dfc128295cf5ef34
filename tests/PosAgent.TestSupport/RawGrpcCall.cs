using System.Net;
using System.Net.Http.Headers;
using System.Net.Sockets;

namespace PosAgent.TestSupport;

/// <summary>
/// A gRPC request written by hand over HTTP/2 (prior knowledge), for inputs no generated client
/// would send: bytes that are not the message, a wrong content-type, a method that does not exist.
/// </summary>
public sealed class RawGrpcCall : IDisposable
{
    private readonly HttpClient _http;
    private readonly Uri _base;

    private RawGrpcCall(HttpClient http, Uri baseAddress)
    {
        _http = http;
        _base = baseAddress;
    }

    public static RawGrpcCall ForAddress(string address) => new(new HttpClient(new SocketsHttpHandler()), new Uri(address));

    public static RawGrpcCall ForUnixSocket(string path) => new(new HttpClient(new SocketsHttpHandler
    {
        ConnectCallback = async (_, cancellationToken) =>
        {
            var socket = new Socket(AddressFamily.Unix, SocketType.Stream, ProtocolType.Unspecified);
            try
            {
                await socket.ConnectAsync(new UnixDomainSocketEndPoint(path), cancellationToken);
                return new NetworkStream(socket, ownsSocket: true);
            }
            catch
            {
                socket.Dispose();
                throw;
            }
        },
    }), new Uri("http://localhost"));

    /// <summary>The message in gRPC's length-prefixed framing (uncompressed).</summary>
    public static byte[] Frame(params byte[] message)
    {
        var framed = new byte[5 + message.Length];
        System.Buffers.Binary.BinaryPrimitives.WriteUInt32BigEndian(framed.AsSpan(1), (uint)message.Length);
        message.CopyTo(framed, 5);
        return framed;
    }

    /// <summary>Posts the body and returns the HTTP status with the grpc-status (trailer, or header of a trailers-only answer).</summary>
    public async Task<(HttpStatusCode Http, int? GrpcStatus, string? Message)> PostAsync(string path, byte[] body, string contentType = "application/grpc")
    {
        using var request = new HttpRequestMessage(HttpMethod.Post, new Uri(_base, path))
        {
            Version = HttpVersion.Version20,
            VersionPolicy = HttpVersionPolicy.RequestVersionExact,
            Content = new ByteArrayContent(body),
        };
        request.Content.Headers.ContentType = MediaTypeHeaderValue.Parse(contentType);
        request.Headers.TryAddWithoutValidation("te", "trailers");
        using var response = await _http.SendAsync(request, HttpCompletionOption.ResponseContentRead).WithTimeout();
        var status = Find(response, "grpc-status");
        return (response.StatusCode, status is null ? null : int.Parse(status, System.Globalization.CultureInfo.InvariantCulture), Find(response, "grpc-message"));
    }

    private static string? Find(HttpResponseMessage response, string name) =>
        response.TrailingHeaders.TryGetValues(name, out var trailer) ? trailer.Single()
        : response.Headers.TryGetValues(name, out var header) ? header.Single()
        : null;

    public void Dispose() => _http.Dispose();
}
