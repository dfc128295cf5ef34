using System.Buffers;
using System.IO.Pipelines;
using BenchmarkDotNet.Attributes;
using Google.Protobuf;
using PosAgent.Rpc.Internal;
using PosAgent.Rpc.Testing;

namespace PosAgent.Rpc.Benchmarks;

/// <summary>Writing and reading one framed message, the per-call work of both sides.</summary>
[MemoryDiagnoser]
public class FramingBenchmarks
{
    private readonly SimpleRequest _message = new() { ResponseSize = 32, Payload = new Payload { Body = ByteString.CopyFrom(new byte[32]) } };
    private readonly MessageParser<SimpleRequest> _parser = SimpleRequest.Parser;
    private readonly ArrayBufferWriter<byte> _writer = new(1024);
    private byte[] _frame = [];

    [GlobalSetup]
    public void Setup()
    {
        MessageFraming.WriteMessage(_writer, _message, compress: false, int.MaxValue);
        _frame = _writer.WrittenSpan.ToArray();
    }

    [Benchmark]
    public int Write()
    {
        _writer.ResetWrittenCount();
        MessageFraming.WriteMessage(_writer, _message, compress: false, int.MaxValue);
        return _writer.WrittenCount;
    }

    [Benchmark]
    public async Task<SimpleRequest?> Read()
    {
        var reader = PipeReader.Create(new ReadOnlySequence<byte>(_frame));
        return await MessageFraming.ReadMessageAsync(reader, _parser, int.MaxValue, null, null, CancellationToken.None);
    }
}
