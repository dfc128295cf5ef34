using FirmwareSim.EscPos;
using FirmwareSim.Receipts;

namespace FirmwareSim.Tests;

/// <summary>Collects what the interpreter produces, for the interpreter's own tests.</summary>
internal sealed class RecordingSink : IEscPosSink
{
    public PrinterStatus Status { get; set; }

    public List<byte> Responses { get; } = [];

    public List<(ReceiptDocument Document, bool Partial)> Cuts { get; } = [];

    public List<int> DrawerPins { get; } = [];

    public List<int> AutoStatusMasks { get; } = [];

    public List<(long Offset, string Message)> Diagnostics { get; } = [];

    public void Respond(ReadOnlySpan<byte> bytes) => Responses.AddRange(bytes.ToArray());

    public void Cut(ReceiptDocument document, bool partial) => Cuts.Add((document, partial));

    public void DrawerKick(int pin) => DrawerPins.Add(pin);

    public void AutoStatusBackChanged(int mask) => AutoStatusMasks.Add(mask);

    public void Diagnostic(long offset, string message) => Diagnostics.Add((offset, message));

    public static (EscPosInterpreter Interpreter, RecordingSink Sink) Create()
    {
        var sink = new RecordingSink();
        return (new EscPosInterpreter(sink), sink);
    }
}
