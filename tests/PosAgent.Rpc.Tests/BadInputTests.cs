using System.Buffers;
using Google.Protobuf;
using System.Buffers.Binary;
using System.Net;
using System.Net.Http.Headers;
using System.Net.Sockets;
using System.Text;
using PosAgent.Rpc.Internal;
using PosAgent.Rpc.Testing;
using PosAgent.Rpc.Tests.Infrastructure;
using PosAgent.TestSupport;

namespace PosAgent.Rpc.Tests;

/// <summary>Hostile or broken requests sent with a raw HTTP/2 client: each gets the right answer and the server keeps serving.</summary>
public sealed class BadInputTests : IAsyncLifetime
{
    private GrpcTestServer _server = null!;
    private HttpClient _http = null!;

    public async Task InitializeAsync()
    {
        _server = await GrpcTestServer.StartAsync();
        _http = new HttpClient(new SocketsHttpHandler { UseProxy = false })
        {
            BaseAddress = _server.Address,
            DefaultRequestVersion = HttpVersion.Version20,
            DefaultVersionPolicy = HttpVersionPolicy.RequestVersionExact,
        };
    }

    public async Task DisposeAsync()
    {
        _http.Dispose();
        await _server.DisposeAsync();
    }

    [Fact]
    public async Task WrongContentType_Http415()
    {
        using var response = await SendAsync("/grpc.testing.TestService/EmptyCall", Frame([]), "application/json");

        Assert.Equal(HttpStatusCode.UnsupportedMediaType, response.StatusCode);
        await AssertStillServingAsync();
    }

    [Fact]
    public async Task TruncatedMessage_Internal()
    {
        var frame = Frame(new SimpleRequest { ResponseSize = 10 }.ToByteArray());
        using var response = await SendAsync("/grpc.testing.TestService/UnaryCall", frame[..^2]);

        Assert.Equal(StatusCode.Internal, GrpcStatus(response));
        Assert.Contains("Incomplete message", GrpcMessage(response), StringComparison.Ordinal);
        await AssertStillServingAsync();
    }

    [Fact]
    public async Task TruncatedPrefix_Internal()
    {
        using var response = await SendAsync("/grpc.testing.TestService/EmptyCall", [0, 0, 0]);

        Assert.Equal(StatusCode.Internal, GrpcStatus(response));
        await AssertStillServingAsync();
    }

    [Fact]
    public async Task LengthPrefixAboveLimit_ResourceExhaustedWithoutReadingTheBody()
    {
        var body = new byte[5 + 16];
        BinaryPrimitives.WriteUInt32BigEndian(body.AsSpan(1), uint.MaxValue);
        using var response = await SendAsync("/grpc.testing.TestService/UnaryCall", body);

        Assert.Equal(StatusCode.ResourceExhausted, GrpcStatus(response));
        await AssertStillServingAsync();
    }

    [Fact]
    public async Task InvalidProtobuf_Internal()
    {
        // Field 2 (response_size) as a varint that never ends.
        using var response = await SendAsync("/grpc.testing.TestService/UnaryCall", Frame([0x10, 0xFF, 0xFF, 0xFF]));

        Assert.Equal(StatusCode.Internal, GrpcStatus(response));
        Assert.Contains("Failed to deserialize", GrpcMessage(response), StringComparison.Ordinal);
        await AssertStillServingAsync();
    }

    [Fact]
    public async Task BadCompressedFlag_Internal()
    {
        var frame = Frame([]);
        frame[0] = 7;
        using var response = await SendAsync("/grpc.testing.TestService/EmptyCall", frame);

        Assert.Equal(StatusCode.Internal, GrpcStatus(response));
        await AssertStillServingAsync();
    }

    [Fact]
    public async Task CompressedFlagWithoutEncoding_Internal()
    {
        var frame = Frame([]);
        frame[0] = 1;
        using var response = await SendAsync("/grpc.testing.TestService/EmptyCall", frame);

        Assert.Equal(StatusCode.Internal, GrpcStatus(response));
        await AssertStillServingAsync();
    }

    [Fact]
    public async Task CorruptGzip_Internal()
    {
        var frame = Frame([1, 2, 3, 4, 5]);
        frame[0] = 1;
        using var response = await SendAsync("/grpc.testing.TestService/EmptyCall", frame, encoding: "gzip");

        Assert.Equal(StatusCode.Internal, GrpcStatus(response));
        await AssertStillServingAsync();
    }

    [Fact]
    public async Task UnsupportedEncoding_UnimplementedWithAcceptEncoding()
    {
        using var response = await SendAsync("/grpc.testing.TestService/EmptyCall", Frame([]), encoding: "br");

        Assert.Equal(StatusCode.Unimplemented, GrpcStatus(response));
        Assert.Contains("gzip", string.Join(",", response.Headers.GetValues("grpc-accept-encoding")), StringComparison.Ordinal);
    }

    [Fact]
    public async Task TwoMessagesOnUnary_Internal()
    {
        using var response = await SendAsync("/grpc.testing.TestService/EmptyCall", [.. Frame([]), .. Frame([])]);

        Assert.Equal(StatusCode.Internal, GrpcStatus(response));
    }

    [Fact]
    public async Task NoMessageOnUnary_Internal()
    {
        using var response = await SendAsync("/grpc.testing.TestService/EmptyCall", []);

        Assert.Equal(StatusCode.Internal, GrpcStatus(response));
    }

    [Fact]
    public async Task UnknownServiceAndMethod_UnimplementedTrailersOnly()
    {
        using var service = await SendAsync("/no.Such/Method", Frame([]));
        using var method = await SendAsync("/grpc.testing.TestService/NoSuchMethod", Frame([]));

        Assert.Equal(StatusCode.Unimplemented, GrpcStatus(service));
        Assert.Equal(StatusCode.Unimplemented, GrpcStatus(method));
        Assert.True(service.Headers.Contains("grpc-status"), "an error before any message is a trailers-only response");
    }

    [Fact]
    public async Task Http11Request_OnH2cPort_RefusedAndServerKeepsServing()
    {
        using var client = new TcpClient();
        await client.ConnectAsync(IPAddress.Loopback, _server.Port).WithTimeout();
        var stream = client.GetStream();
        var request = Encoding.ASCII.GetBytes($"POST /grpc.testing.TestService/EmptyCall HTTP/1.1\r\nHost: 127.0.0.1\r\nContent-Type: application/grpc\r\nContent-Length: 5\r\n\r\n\0\0\0\0\0");
        await stream.WriteAsync(request).AsTask().WithTimeout();
        var buffer = new byte[1024];
        var total = 0;
        while (true)
        {
            // Kestrel answers a non-HTTP/2 preface with a GOAWAY and closes: read until it does.
            var read = await stream.ReadAsync(buffer.AsMemory(total)).AsTask().WithTimeout();
            if (read == 0 || total + read >= buffer.Length)
            {
                break;
            }

            total += read;
        }

        Assert.DoesNotContain("HTTP/1.1 200", Encoding.ASCII.GetString(buffer, 0, total), StringComparison.Ordinal);
        await AssertStillServingAsync();
    }

    [Fact]
    public async Task RandomBodies_EachGetsAStatus_ServerKeepsServing()
    {
        var random = new Random(1234);
        for (var i = 0; i < 150; i++)
        {
            var body = new byte[random.Next(0, 40)];
            random.NextBytes(body);
            if (body.Length > 0 && random.Next(2) == 0)
            {
                body[0] = (byte)random.Next(2);
            }

            var path = random.Next(2) == 0 ? "/grpc.testing.TestService/EmptyCall" : "/grpc.testing.TestService/UnaryCall";
            using var response = await SendAsync(path, body);

            Assert.Equal(HttpStatusCode.OK, response.StatusCode);
            var status = GrpcStatus(response);
            Assert.True(status is StatusCode.OK or StatusCode.Internal or StatusCode.ResourceExhausted, $"body {Convert.ToHexString(body)} got {status}");
        }

        await AssertStillServingAsync();
    }

    [Fact]
    public void FrameReader_RandomBytesInRandomSegments_OnlyFramesOrRpcErrors()
    {
        var random = new Random(42);
        for (var i = 0; i < 20_000; i++)
        {
            var bytes = new byte[random.Next(0, 64)];
            random.NextBytes(bytes);
            if (bytes.Length > 0 && random.Next(3) > 0)
            {
                bytes[0] = (byte)random.Next(2);
            }

            if (bytes.Length > 4 && random.Next(3) > 0)
            {
                // Mostly plausible lengths, so complete frames occur too.
                BinaryPrimitives.WriteUInt32BigEndian(bytes.AsSpan(1), (uint)random.Next(0, bytes.Length));
            }

            var buffer = Segmented(bytes, random);
            var original = buffer.Length;
            try
            {
                var frames = 0;
                while (MessageFraming.TryReadFrame(ref buffer, 32, out _, out var payload) == FrameResult.Complete)
                {
                    Assert.True(payload.Length <= 32);
                    frames++;
                }

                Assert.True(buffer.Length <= original);
                Assert.True(frames <= (original / 5) + 1);
            }
            catch (RpcException ex)
            {
                Assert.True(ex.StatusCode is StatusCode.Internal or StatusCode.ResourceExhausted, ex.Message);
            }
        }
    }

    private static ReadOnlySequence<byte> Segmented(byte[] bytes, Random random)
    {
        if (bytes.Length < 2)
        {
            return new ReadOnlySequence<byte>(bytes);
        }

        var cut = random.Next(1, bytes.Length);
        var first = new Segment(bytes.AsMemory(0, cut), 0);
        var last = first.Append(bytes.AsMemory(cut));
        return new ReadOnlySequence<byte>(first, 0, last, last.Memory.Length);
    }

    private static byte[] Frame(byte[] message)
    {
        var frame = new byte[5 + message.Length];
        BinaryPrimitives.WriteUInt32BigEndian(frame.AsSpan(1), (uint)message.Length);
        message.CopyTo(frame, 5);
        return frame;
    }

    private static StatusCode GrpcStatus(HttpResponseMessage response)
    {
        var values = response.Headers.TryGetValues("grpc-status", out var h) ? h : response.TrailingHeaders.GetValues("grpc-status");
        return (StatusCode)int.Parse(values.First(), System.Globalization.CultureInfo.InvariantCulture);
    }

    private static string GrpcMessage(HttpResponseMessage response)
    {
        var values = response.Headers.TryGetValues("grpc-message", out var h) ? h : response.TrailingHeaders.TryGetValues("grpc-message", out var t) ? t : [];
        return Uri.UnescapeDataString(values.FirstOrDefault() ?? string.Empty);
    }

    private async Task<HttpResponseMessage> SendAsync(string path, byte[] body, string contentType = "application/grpc", string? encoding = null)
    {
        using var request = new HttpRequestMessage(HttpMethod.Post, path)
        {
            Content = new ByteArrayContent(body),
            Version = HttpVersion.Version20,
            VersionPolicy = HttpVersionPolicy.RequestVersionExact,
        };
        request.Content.Headers.ContentType = MediaTypeHeaderValue.Parse(contentType);
        request.Headers.TE.ParseAdd("trailers");
        if (encoding is not null)
        {
            request.Headers.Add("grpc-encoding", encoding);
        }

        var response = await _http.SendAsync(request).WithTimeout();
        // Read the body to the end so the trailers are there.
        await response.Content.ReadAsByteArrayAsync().WithTimeout();
        return response;
    }

    private async Task AssertStillServingAsync()
    {
        using var channel = _server.CreateChannel();
        await channel.UnaryAsync(Descriptors.EmptyCall, new Empty()).WithTimeout();
    }

    private sealed class Segment : ReadOnlySequenceSegment<byte>
    {
        public Segment(ReadOnlyMemory<byte> memory, long runningIndex)
        {
            Memory = memory;
            RunningIndex = runningIndex;
        }

        public Segment Append(ReadOnlyMemory<byte> memory)
        {
            var next = new Segment(memory, RunningIndex + Memory.Length);
            Next = next;
            return next;
        }
    }
}
