namespace FirmwareSim.Internal;

/// <summary>
/// What bytes look like when the two ends of a serial line disagree on the baud rate: the receiver
/// samples at the wrong instants, so every byte comes out as a different, usually high-bit value.
/// Deterministic, so a test can tell garbage from data.
/// </summary>
internal static class LineGarbler
{
    public static byte Garble(byte b) => (byte)(((b << 3) | (b >> 5)) ^ 0xA5 | 0x80);

    public static byte[] Garble(ReadOnlySpan<byte> data)
    {
        var result = new byte[data.Length];
        for (var i = 0; i < data.Length; i++)
        {
            result[i] = Garble(data[i]);
        }

        return result;
    }
}
