using System.Runtime.InteropServices;

namespace PosAgent.Devices.Interop;

/// <summary>One run of text in visual (left-to-right on paper) order.</summary>
/// <param name="Start">Index of the run's first character in the logical text.</param>
/// <param name="Length">Characters in the run.</param>
/// <param name="RightToLeft">True when the run's characters are laid out right to left.</param>
internal readonly record struct BidiRun(int Start, int Length, bool RightToLeft);

/// <summary>
/// The Unicode Bidirectional Algorithm (UAX #9) from ICU's ubidi, which every .NET on Linux already
/// loads for globalization; writing our own would get digits and punctuation inside Persian wrong.
/// ICU suffixes its exports with its major version (ubidi_open_72), so the library is probed.
/// </summary>
internal static unsafe class IcuBidi
{
    private const byte DefaultLeftToRight = 0xFE; // UBIDI_DEFAULT_LTR: the first strong character decides

    private static readonly Lazy<Api> Functions = new(Load);

    /// <summary>The runs of <paramref name="text"/> (one paragraph) in visual order, and whether the paragraph is right-to-left.</summary>
    public static (IReadOnlyList<BidiRun> Runs, bool RightToLeftParagraph) VisualRuns(string text)
    {
        ArgumentNullException.ThrowIfNull(text);
        if (text.Length == 0)
        {
            return ([], false);
        }

        var api = Functions.Value;
        var bidi = api.Open();
        if (bidi == 0)
        {
            throw new InvalidOperationException("ICU ubidi_open failed (out of memory).");
        }

        try
        {
            fixed (char* chars = text)
            {
                var error = 0;
                api.SetPara(bidi, chars, text.Length, DefaultLeftToRight, null, &error);
                Check(error, "ubidi_setPara");
                var count = api.CountRuns(bidi, &error);
                Check(error, "ubidi_countRuns");
                var runs = new BidiRun[count];
                for (var i = 0; i < count; i++)
                {
                    int start, length;
                    var direction = api.GetVisualRun(bidi, i, &start, &length);
                    runs[i] = new BidiRun(start, length, direction == 1);
                }

                return (runs, (api.GetParaLevel(bidi) & 1) == 1);
            }
        }
        finally
        {
            api.Close(bidi);
        }
    }

    private static void Check(int error, string function)
    {
        // ICU: negative codes are warnings, zero is success, positive codes are failures.
        if (error > 0)
        {
            throw new InvalidOperationException($"ICU {function} failed with error {error}.");
        }
    }

    private static Api Load()
    {
        foreach (var (handle, suffix) in Candidates())
        {
            if (NativeLibrary.TryGetExport(handle, "ubidi_open" + suffix, out var open))
            {
                nint Export(string name) => NativeLibrary.GetExport(handle, name + suffix);
                return new Api(
                    (delegate* unmanaged<nint>)open,
                    (delegate* unmanaged<nint, char*, int, byte, byte*, int*, void>)Export("ubidi_setPara"),
                    (delegate* unmanaged<nint, int*, int>)Export("ubidi_countRuns"),
                    (delegate* unmanaged<nint, int, int*, int*, int>)Export("ubidi_getVisualRun"),
                    (delegate* unmanaged<nint, byte>)Export("ubidi_getParaLevel"),
                    (delegate* unmanaged<nint, void>)Export("ubidi_close"));
            }
        }

        throw new DllNotFoundException(
            "ICU (libicuuc) was not found: raster receipts need its bidirectional algorithm. Install Debian's libicu package (the .NET runtime needs it too unless globalization is invariant).");
    }

    private static IEnumerable<(nint Handle, string Suffix)> Candidates()
    {
        // Newest first, as the .NET runtime probes; an unversioned build exports plain names.
        for (var major = 90; major >= 50; major--)
        {
            if (NativeLibrary.TryLoad($"libicuuc.so.{major}", out var handle))
            {
                yield return (handle, "_" + major);
                yield return (handle, string.Empty);
            }
        }

        if (NativeLibrary.TryLoad("libicuuc.so", out var plain))
        {
            yield return (plain, string.Empty);
        }
    }

    private sealed class Api(
        delegate* unmanaged<nint> open,
        delegate* unmanaged<nint, char*, int, byte, byte*, int*, void> setPara,
        delegate* unmanaged<nint, int*, int> countRuns,
        delegate* unmanaged<nint, int, int*, int*, int> getVisualRun,
        delegate* unmanaged<nint, byte> getParaLevel,
        delegate* unmanaged<nint, void> close)
    {
        public nint Open() => open();

        public void SetPara(nint bidi, char* text, int length, byte level, byte* levels, int* error) => setPara(bidi, text, length, level, levels, error);

        public int CountRuns(nint bidi, int* error) => countRuns(bidi, error);

        public int GetVisualRun(nint bidi, int index, int* start, int* length) => getVisualRun(bidi, index, start, length);

        public byte GetParaLevel(nint bidi) => getParaLevel(bidi);

        public void Close(nint bidi) => close(bidi);
    }
}
