using System.Text;
using FirmwareSim.Control;
using PosAgent.TestSupport;

namespace FirmwareSim.Tests;

/// <summary>The control API called by Debian's python3-grpcio, a gRPC implementation the project did not write.</summary>
public sealed class ControlApiPythonTests : IDisposable
{
    // Messages are encoded by hand (field 1, wire type 2 = 0x0A), so no generated stubs are needed.
    private const string Script = """
        import grpc
        ch = grpc.insecure_channel("unix:" + sys.argv[1])
        def call(method, body):
            f = ch.unary_unary("/firmwaresim.v1.SimulatorControl/" + method, request_serializer=lambda b: b, response_deserializer=lambda b: b)
            return f(body, timeout=10)
        state = call("GetState", b"")
        out("state " + state.hex())
        code = sys.argv[2].encode()
        reply = call("Scan", b"\x0a" + bytes([len(code)]) + code)
        out("scan " + reply.hex())
        try:
            call("Scan", b"")
        except grpc.RpcError as e:
            out("error " + e.code().name + " " + e.details())
        """;

    private readonly TempDirectory _dir = new("fs-cpy-");

    [Fact]
    public async Task PythonGrpcio_GetStateScanAndBadRequest_Work()
    {
        await using var lane = await Lane.StartAsync(new LaneOptions { Directory = _dir.Path });
        await using var server = await ControlServer.StartAsync(_dir.File("c.sock"), lane.Scanner, lane.Printer);
        using var port = new RawPort(lane.Scanner.LinkPath, 9600);

        await using var python = PythonClient.Start(Script, _dir.File("c.sock"), "4006381333931");

        var state = Convert.FromHexString((await python.ReadLineAsync()).Split(' ')[1]);
        Assert.Contains(lane.Printer.LinkPath!, Encoding.UTF8.GetString(state));
        var scan = Convert.FromHexString((await python.ReadLineAsync()).Split(' ')[1]);
        Assert.Contains("4006381333931\r", Encoding.ASCII.GetString(scan));
        Assert.Equal("4006381333931\r", Encoding.ASCII.GetString(await port.ReadAsync(14)));
        Assert.Equal("error INVALID_ARGUMENT code: must not be empty", await python.ReadLineAsync());
    }

    public void Dispose() => _dir.Dispose();
}
