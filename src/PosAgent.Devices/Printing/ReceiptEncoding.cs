using System.Text;

namespace PosAgent.Devices.Printing;

/// <summary>Single-byte code pages for receipts, with a fallback that replaces and records what a page lacks.</summary>
internal static class ReceiptEncoding
{
    static ReceiptEncoding() => Encoding.RegisterProvider(CodePagesEncodingProvider.Instance);

    /// <summary>The code page with exception fallbacks (used to check a page exists).</summary>
    public static Encoding Get(int codePage) => Encoding.GetEncoding(codePage);

    /// <summary>True when every character of <paramref name="text"/> exists in the code page.</summary>
    public static bool CanEncode(int codePage, string text)
    {
        var strict = Encoding.GetEncoding(codePage, EncoderFallback.ExceptionFallback, DecoderFallback.ReplacementFallback);
        try
        {
            _ = strict.GetByteCount(text);
            return true;
        }
        catch (EncoderFallbackException)
        {
            return false;
        }
    }

    /// <summary>The code page replacing unmappable characters with '?' and adding them to <paramref name="replaced"/>.</summary>
    public static Encoding Recording(int codePage, ISet<string> replaced) =>
        Encoding.GetEncoding(codePage, new RecordingFallback(replaced), DecoderFallback.ReplacementFallback);

    private sealed class RecordingFallback(ISet<string> replaced) : EncoderFallback
    {
        public override int MaxCharCount => 1;

        public override EncoderFallbackBuffer CreateFallbackBuffer() => new Buffer(replaced);

        private sealed class Buffer(ISet<string> replaced) : EncoderFallbackBuffer
        {
            private int _remaining;

            public override int Remaining => _remaining;

            public override bool Fallback(char charUnknown, int index)
            {
                lock (replaced)
                {
                    replaced.Add(charUnknown.ToString());
                }

                _remaining = 1;
                return true;
            }

            public override bool Fallback(char charUnknownHigh, char charUnknownLow, int index)
            {
                lock (replaced)
                {
                    replaced.Add(new string([charUnknownHigh, charUnknownLow]));
                }

                _remaining = 1;
                return true;
            }

            public override char GetNextChar()
            {
                if (_remaining == 0)
                {
                    return '\0';
                }

                _remaining--;
                return '?';
            }

            public override bool MovePrevious()
            {
                if (_remaining != 0)
                {
                    return false;
                }

                _remaining = 1;
                return true;
            }

            public override void Reset() => _remaining = 0;
        }
    }
}
