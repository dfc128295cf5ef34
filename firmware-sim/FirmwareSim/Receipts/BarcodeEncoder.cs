using System.Text;

namespace FirmwareSim.Receipts;

/// <summary>Turns barcode data into bar modules (true = dark) for drawing; validation errors name the problem.</summary>
internal static class BarcodeEncoder
{
    private static readonly string[] LeftOdd = ["0001101", "0011001", "0010011", "0111101", "0100011", "0110001", "0101111", "0111011", "0110111", "0001011"];
    private static readonly string[] LeftEven = ["0100111", "0110011", "0011011", "0100001", "0011101", "0111001", "0000101", "0010001", "0001001", "0010111"];
    private static readonly string[] Right = ["1110010", "1100110", "1101100", "1000010", "1011100", "1001110", "1010000", "1000100", "1001000", "1110100"];

    // Parity of digits 2-7 of an EAN-13, chosen by the first digit (L = odd, G = even).
    private static readonly string[] Ean13Parity = ["LLLLLL", "LLGLGG", "LLGGLG", "LLGGGL", "LGLLGG", "LGGLLG", "LGGGLL", "LGLGLG", "LGLGGL", "LGGLGL"];

    // Code 128 symbol widths (bar, space, bar, ...) for values 0-106; 106 is the stop pattern.
    internal static readonly string[] Code128Patterns =
    [
        "212222", "222122", "222221", "121223", "121322", "131222", "122213", "122312", "132212", "221213",
        "221312", "231212", "112232", "122132", "122231", "113222", "123122", "123221", "223211", "221132",
        "221231", "213212", "223112", "312131", "311222", "321122", "321221", "312212", "322112", "322211",
        "212123", "212321", "232121", "111323", "131123", "131321", "112313", "132113", "132311", "211313",
        "231113", "231311", "112133", "112331", "132131", "113123", "113321", "133121", "313121", "211331",
        "231131", "213113", "213311", "213131", "311123", "311321", "331121", "312113", "312311", "332111",
        "314111", "221411", "431111", "111224", "111422", "121124", "121421", "141122", "141221", "112214",
        "112412", "122114", "122411", "142112", "142211", "241211", "221114", "413111", "241112", "134111",
        "111242", "121142", "121241", "114212", "124112", "124211", "411212", "421112", "421211", "212141",
        "214121", "412121", "111143", "111341", "131141", "114113", "114311", "411113", "411311", "113141",
        "114131", "311141", "411131", "211412", "211214", "211232", "2331112",
    ];

    private const int StartA = 103;
    private const int StartB = 104;
    private const int StartC = 105;
    private const int Stop = 106;

    /// <summary>
    /// EAN-13 from 12 digits (check digit computed) or 13 (check digit verified), as ESC/POS printers accept.
    /// </summary>
    public static bool TryEncodeEan13(string data, out bool[] modules, out string hri, out string? error)
    {
        modules = [];
        hri = string.Empty;
        if (!TryCompleteEan(data, 13, out var digits, out error))
        {
            return false;
        }

        var sb = new StringBuilder("101");
        var parity = Ean13Parity[digits[0] - '0'];
        for (var i = 1; i <= 6; i++)
        {
            sb.Append(parity[i - 1] == 'L' ? LeftOdd[digits[i] - '0'] : LeftEven[digits[i] - '0']);
        }

        sb.Append("01010");
        for (var i = 7; i <= 12; i++)
        {
            sb.Append(Right[digits[i] - '0']);
        }

        sb.Append("101");
        modules = ToModules(sb.ToString());
        hri = digits;
        return true;
    }

    /// <summary>EAN-8 from 7 digits (check digit computed) or 8 (verified).</summary>
    public static bool TryEncodeEan8(string data, out bool[] modules, out string hri, out string? error)
    {
        modules = [];
        hri = string.Empty;
        if (!TryCompleteEan(data, 8, out var digits, out error))
        {
            return false;
        }

        var sb = new StringBuilder("101");
        for (var i = 0; i < 4; i++)
        {
            sb.Append(LeftOdd[digits[i] - '0']);
        }

        sb.Append("01010");
        for (var i = 4; i < 8; i++)
        {
            sb.Append(Right[digits[i] - '0']);
        }

        sb.Append("101");
        modules = ToModules(sb.ToString());
        hri = digits;
        return true;
    }

    /// <summary>UPC-A from 11 or 12 digits: an EAN-13 with a leading zero.</summary>
    public static bool TryEncodeUpcA(string data, out bool[] modules, out string hri, out string? error)
    {
        modules = [];
        hri = string.Empty;
        if (data.Length is not (11 or 12))
        {
            error = $"UPC-A needs 11 or 12 digits, got {data.Length}";
            return false;
        }

        if (!TryEncodeEan13("0" + data, out modules, out var ean, out error))
        {
            return false;
        }

        hri = ean[1..];
        return true;
    }

    /// <summary>
    /// Code 128 in the Epson GS k 73 form: the data starts with a code set selection "{A", "{B"
    /// or "{C"; "{" escapes follow ({A {B {C switch, {S shift, {1-{4 FNC1-4, {{ a literal brace);
    /// in code set C each byte is a value 0-99 (two digits), not ASCII digits.
    /// </summary>
    public static bool TryEncodeCode128(ReadOnlySpan<byte> data, out bool[] modules, out string hri, out string? error)
    {
        modules = [];
        hri = string.Empty;
        if (data.Length < 2 || data[0] != (byte)'{' || data[1] is not ((byte)'A' or (byte)'B' or (byte)'C'))
        {
            error = "Code 128 data must start with a code set selection {A, {B or {C";
            return false;
        }

        var values = new List<int>();
        var text = new StringBuilder();
        var set = data[1];
        values.Add(set switch { (byte)'A' => StartA, (byte)'B' => StartB, _ => StartC });
        var shiftOnce = false;
        for (var i = 2; i < data.Length; i++)
        {
            var b = data[i];
            if (b == (byte)'{')
            {
                if (i + 1 >= data.Length)
                {
                    error = "Code 128 data ends with a lone '{'";
                    return false;
                }

                var code = data[++i];
                switch (code)
                {
                    case (byte)'A':
                        values.Add(set == (byte)'A' ? -1 : 101);
                        set = (byte)'A';
                        break;
                    case (byte)'B':
                        values.Add(set == (byte)'B' ? -1 : 100);
                        set = (byte)'B';
                        break;
                    case (byte)'C':
                        values.Add(set == (byte)'C' ? -1 : 99);
                        set = (byte)'C';
                        break;
                    case (byte)'S':
                        if (set == (byte)'C')
                        {
                            error = "Code 128 shift {S is not allowed in code set C";
                            return false;
                        }

                        values.Add(98);
                        shiftOnce = true;
                        continue;
                    case (byte)'1':
                        values.Add(102);
                        break;
                    case (byte)'2':
                        values.Add(set == (byte)'C' ? -1 : 97);
                        break;
                    case (byte)'3':
                        values.Add(set == (byte)'C' ? -1 : 96);
                        break;
                    case (byte)'4':
                        values.Add(set switch { (byte)'A' => 101, (byte)'B' => 100, _ => -1 });
                        break;
                    case (byte)'{':
                        if (!AddChar(set, (byte)'{', values, text, out error))
                        {
                            return false;
                        }

                        break;
                    default:
                        error = $"Code 128 escape '{{{(char)code}' is not one of {{A {{B {{C {{S {{1 {{2 {{3 {{4 {{{{";
                        return false;
                }

                if (values[^1] < 0)
                {
                    error = $"Code 128 escape '{{{(char)code}' is not valid in code set {(char)set}";
                    return false;
                }

                continue;
            }

            var effective = set;
            if (shiftOnce)
            {
                effective = set == (byte)'A' ? (byte)'B' : (byte)'A';
                shiftOnce = false;
            }

            if (effective == (byte)'C')
            {
                if (b > 99)
                {
                    error = $"Code 128 code set C takes byte values 0-99, got {b} at data position {i}";
                    return false;
                }

                values.Add(b);
                text.Append(b.ToString("00", System.Globalization.CultureInfo.InvariantCulture));
                continue;
            }

            if (!AddChar(effective, b, values, text, out error))
            {
                return false;
            }
        }

        if (values.Count < 2)
        {
            error = "Code 128 has no data after the code set selection";
            return false;
        }

        var checksum = values[0];
        for (var i = 1; i < values.Count; i++)
        {
            checksum += values[i] * i;
        }

        values.Add(checksum % 103);
        values.Add(Stop);
        var bits = new StringBuilder();
        foreach (var value in values)
        {
            var pattern = Code128Patterns[value];
            for (var k = 0; k < pattern.Length; k++)
            {
                bits.Append(k % 2 == 0 ? '1' : '0', pattern[k] - '0');
            }
        }

        modules = ToModules(bits.ToString());
        hri = text.ToString();
        error = null;
        return true;
    }

    private static bool AddChar(byte set, byte b, List<int> values, StringBuilder text, out string? error)
    {
        error = null;
        if (set == (byte)'A')
        {
            if (b <= 0x1F)
            {
                values.Add(b + 64);
            }
            else if (b <= 0x5F)
            {
                values.Add(b - 32);
            }
            else
            {
                error = $"Code 128 code set A cannot encode byte 0x{b:X2}";
                return false;
            }
        }
        else
        {
            if (b is < 0x20 or > 0x7F)
            {
                error = $"Code 128 code set B cannot encode byte 0x{b:X2}";
                return false;
            }

            values.Add(b - 32);
        }

        text.Append(b >= 0x20 ? (char)b : ' ');
        return true;
    }

    private static bool TryCompleteEan(string data, int length, out string digits, out string? error)
    {
        digits = data;
        if (data.Length is var n && n != length && n != length - 1)
        {
            error = $"EAN-{length} needs {length - 1} or {length} digits, got {data.Length}";
            return false;
        }

        foreach (var c in data)
        {
            if (c is < '0' or > '9')
            {
                error = $"EAN-{length} takes digits only, got '{c}'";
                return false;
            }
        }

        var check = SymbologyExtensions.EanCheckDigit(data.AsSpan(0, length - 1));
        if (data.Length == length && data[^1] - '0' != check)
        {
            error = $"EAN-{length} check digit is {data[^1]}, expected {check}";
            return false;
        }

        digits = data[..(length - 1)] + (char)('0' + check);
        error = null;
        return true;
    }

    private static bool[] ToModules(string bits) => bits.Select(c => c == '1').ToArray();
}
