using System.Text;

namespace FirmwareSim.Tests;

/// <summary>ESC/POS byte builders for tests (independent of the project's driver).</summary>
internal static class Bytes
{
    public static readonly byte[] Init = [0x1B, 0x40];
    public static readonly byte[] Cut = [0x1D, 0x56, 0x00];
    public static readonly byte[] PartialCut = [0x1D, 0x56, 0x01];

    public static byte[] Ascii(string text) => Encoding.ASCII.GetBytes(text);

    public static byte[] Concat(params byte[][] parts) => parts.SelectMany(p => p).ToArray();

    public static byte[] Align(int n) => [0x1B, 0x61, (byte)n];

    public static byte[] Bold(bool on) => [0x1B, 0x45, (byte)(on ? 1 : 0)];

    public static byte[] Size(int width, int height) => [0x1D, 0x21, (byte)(((width - 1) << 4) | (height - 1))];

    public static byte[] CodeTable(int n) => [0x1B, 0x74, (byte)n];

    public static byte[] Line(string text) => Concat(Ascii(text), [0x0A]);

    public static byte[] Ean13(string digits) => Concat([0x1D, 0x6B, 67, (byte)digits.Length], Ascii(digits));

    public static byte[] Code128(string data) => Concat([0x1D, 0x6B, 73, (byte)data.Length], Ascii(data));

    public static byte[] Qr(string data)
    {
        var payload = Encoding.UTF8.GetBytes(data);
        var length = payload.Length + 3;
        return Concat(
            [0x1D, 0x28, 0x6B, 0x04, 0x00, 0x31, 0x41, 0x32, 0x00],
            [0x1D, 0x28, 0x6B, 0x03, 0x00, 0x31, 0x43, 0x04],
            [0x1D, 0x28, 0x6B, 0x03, 0x00, 0x31, 0x45, 0x31],
            [0x1D, 0x28, 0x6B, (byte)(length & 0xFF), (byte)(length >> 8), 0x31, 0x50, 0x30],
            payload,
            [0x1D, 0x28, 0x6B, 0x03, 0x00, 0x31, 0x51, 0x30]);
    }

    /// <summary>A small but complete receipt: header centered and big, items, EAN-13, cut.</summary>
    public static byte[] SampleReceipt(string title = "CLINIC SHOP") => Concat(
        Init,
        Align(1),
        Size(2, 2),
        Bold(true),
        Line(title),
        Size(1, 1),
        Bold(false),
        Align(0),
        Line("Blood test             1500.00"),
        Line("Card **** **** 1234"),
        Bold(true),
        Line("TOTAL                  1500.00"),
        Bold(false),
        Align(1),
        Ean13("400638133393"),
        [0x0A],
        Cut);
}
