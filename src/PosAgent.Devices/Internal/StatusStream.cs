using PosAgent.Devices.Printing;

namespace PosAgent.Devices.Internal;

/// <summary>
/// Sorts the bytes a printer sends back: DLE EOT answers ((b &amp; 0x93) == 0x12), 4-byte automatic
/// status back blocks (first byte (b &amp; 0x93) == 0x10) and anything else, counted as garbage
/// (a baud or framing mismatch shows up here).
/// </summary>
internal sealed class StatusStream
{
    private readonly Queue<byte> _answers = new();
    private readonly byte[] _block = new byte[4];
    private int _blockLength;

    public int Garbage { get; private set; }

    public PrinterStatus? AutoStatus { get; private set; }

    public int AnswerCount => _answers.Count;

    public void Feed(ReadOnlySpan<byte> bytes)
    {
        foreach (var b in bytes)
        {
            if (_blockLength > 0)
            {
                _block[_blockLength++] = b;
                if (_blockLength == 4)
                {
                    AutoStatus = PrinterStatus.FromAutoStatusBack(_block);
                    _blockLength = 0;
                }
            }
            else if (PrinterStatus.IsRealTimeAnswer(b))
            {
                _answers.Enqueue(b);
            }
            else if (PrinterStatus.IsAutoStatusHeader(b))
            {
                _block[0] = b;
                _blockLength = 1;
            }
            else
            {
                Garbage++;
            }
        }
    }

    public byte TakeAnswer() => _answers.Dequeue();

    /// <summary>Forgets answers nobody asked for and the garbage count, before a new request.</summary>
    public void ClearAnswers()
    {
        _answers.Clear();
        Garbage = 0;
    }

    public void Reset()
    {
        ClearAnswers();
        _blockLength = 0;
        AutoStatus = null;
    }
}
