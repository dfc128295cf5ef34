using System.Text;

namespace PosAgent.Devices.Scanning;

/// <summary>A frame cut from the scanner's byte stream: its text, or why it was rejected.</summary>
public readonly record struct ScanFrame(string? Text, ScanErrorReason Error, string? Detail)
{
    /// <summary>True for a frame that passed framing checks.</summary>
    public bool IsGood => Text is not null;
}

/// <summary>
/// Cuts a scanner's byte stream into frames by suffix, checks prefix and content, and never throws:
/// bad input becomes an error frame and the parser is ready for the next scan. Not thread-safe.
/// </summary>
public sealed class ScanFrameParser
{
    private const byte Cr = 0x0D;
    private const byte Lf = 0x0A;
    private const byte GroupSeparator = 0x1D;

    private readonly byte[] _suffix;
    private readonly string _prefix;
    private readonly int _maxLength;
    private readonly List<byte> _buffer = [];
    private bool _skipping;
    private byte _previous;

    public ScanFrameParser(ScannerSuffix suffix, string prefix, int maxLength)
    {
        _suffix = suffix switch
        {
            ScannerSuffix.Cr => [Cr],
            ScannerSuffix.Lf => [Lf],
            ScannerSuffix.CrLf => [Cr, Lf],
            ScannerSuffix.Tab => [0x09],
            _ => throw new ArgumentOutOfRangeException(nameof(suffix), suffix, "Unknown scanner suffix."),
        };
        _prefix = prefix;
        _maxLength = maxLength;
    }

    /// <summary>True when bytes of an unfinished frame are buffered.</summary>
    public bool HasPending => _buffer.Exists(b => b is not Cr and not Lf);

    /// <summary>Consumes bytes and appends every frame they complete to <paramref name="frames"/>.</summary>
    public void Feed(ReadOnlySpan<byte> bytes, List<ScanFrame> frames)
    {
        foreach (var b in bytes)
        {
            var endsSuffix = _suffix.Length == 1 ? b == _suffix[0] : b == _suffix[1] && _previous == _suffix[0];
            _previous = b;
            if (_skipping)
            {
                if (endsSuffix)
                {
                    _skipping = false;
                    _buffer.Clear();
                }

                continue;
            }

            _buffer.Add(b);
            if (endsSuffix)
            {
                _buffer.RemoveRange(_buffer.Count - _suffix.Length, _suffix.Length);
                Complete(frames);
            }
            else if (_buffer.Count > _maxLength + _suffix.Length)
            {
                frames.Add(Error(ScanErrorReason.OverLong, $"no suffix within {_maxLength} bytes; the rest up to the next suffix is dropped"));
                _buffer.Clear();
                _skipping = true;
            }
        }
    }

    /// <summary>The line went quiet: buffered bytes without a suffix are a partial frame.</summary>
    public void Flush(List<ScanFrame> frames)
    {
        if (HasPending)
        {
            frames.Add(Error(ScanErrorReason.PartialFrame, $"{_buffer.Count} bytes without a suffix, then silence"));
        }

        Reset();
    }

    /// <summary>Forgets buffered bytes (after a reconnect).</summary>
    public void Reset()
    {
        _buffer.Clear();
        _skipping = false;
        _previous = 0;
    }

    private void Complete(List<ScanFrame> frames)
    {
        // A CR LF scanner on a CR-configured port leaves the LF at the start of the next frame.
        var start = 0;
        while (start < _buffer.Count && _buffer[start] is Cr or Lf)
        {
            start++;
        }

        if (start == _buffer.Count)
        {
            _buffer.Clear();
            return;
        }

        var frame = _buffer.GetRange(start, _buffer.Count - start);
        _buffer.Clear();
        for (var i = 0; i < frame.Count; i++)
        {
            var b = frame[i];
            if (b >= 0x80)
            {
                frames.Add(Error(ScanErrorReason.NonAscii, $"byte 0x{b:X2} at offset {i} is not ASCII (wrong baud or framing?)"));
                return;
            }

            if ((b < 0x20 && b != GroupSeparator) || b == 0x7F)
            {
                frames.Add(Error(ScanErrorReason.Garbage, $"control byte 0x{b:X2} at offset {i}"));
                return;
            }
        }

        var text = Encoding.ASCII.GetString([.. frame]);
        if (_prefix.Length > 0)
        {
            // Scanners differ on whether the user prefix goes before or after the AIM id; take either.
            if (text.StartsWith(_prefix, StringComparison.Ordinal))
            {
                text = text[_prefix.Length..];
            }
            else if (text.Length >= 3 && text[0] == ']' && text.AsSpan(3).StartsWith(_prefix, StringComparison.Ordinal))
            {
                text = string.Concat(text.AsSpan(0, 3), text.AsSpan(3 + _prefix.Length));
            }
            else
            {
                frames.Add(Error(ScanErrorReason.MissingPrefix, $"frame of {text.Length} characters does not start with the configured prefix"));
                return;
            }
        }

        frames.Add(new ScanFrame(text, default, null));
    }

    private static ScanFrame Error(ScanErrorReason reason, string detail) => new(null, reason, detail);
}
