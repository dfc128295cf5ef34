using BenchmarkDotNet.Attributes;
using PosAgent.Devices.Scanning;

namespace PosAgent.Devices.Benchmarks;

/// <summary>CPU cost of cutting and decoding one scan, next to the line time it arrives in.</summary>
[MemoryDiagnoser]
public class ScanParserBenchmarks
{
    private readonly byte[] _frame = "]E04006381333931\r"u8.ToArray();
    private readonly List<ScanFrame> _frames = [];
    private readonly ScanFrameParser _parser = new(ScannerSuffix.Cr, string.Empty, 512);
    private readonly BarcodeInterpreter _interpreter = new([new LoyaltyCardFormat { Name = "CSM", Length = 16, Prefixes = ["7789"], CheckDigit = CardCheckDigit.Luhn }]);

    [Benchmark]
    public DecodedScan ParseAndDecodeEan13()
    {
        _frames.Clear();
        _parser.Feed(_frame, _frames);
        return _interpreter.Decode(_frames[0].Text!);
    }
}
