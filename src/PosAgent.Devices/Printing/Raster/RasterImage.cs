namespace PosAgent.Devices.Printing.Raster;

/// <summary>
/// A 1-bit image as ESC/POS raster commands carry it: rows top to bottom, each row
/// <see cref="WidthBytes"/> bytes, most significant bit leftmost, 1 = a black dot.
/// </summary>
public sealed class RasterImage
{
    public RasterImage(int widthDots, int heightDots, byte[] bits)
    {
        ArgumentOutOfRangeException.ThrowIfLessThan(widthDots, 1);
        ArgumentOutOfRangeException.ThrowIfLessThan(heightDots, 1);
        ArgumentNullException.ThrowIfNull(bits);
        if (widthDots % 8 != 0)
        {
            throw new ArgumentException($"Raster width {widthDots} dots must be a multiple of 8.", nameof(widthDots));
        }

        if (bits.Length != widthDots / 8 * heightDots)
        {
            throw new ArgumentException($"A {widthDots}x{heightDots} raster needs {widthDots / 8 * heightDots} bytes; got {bits.Length}.", nameof(bits));
        }

        WidthDots = widthDots;
        HeightDots = heightDots;
        Bits = bits;
    }

    public int WidthDots { get; }

    public int HeightDots { get; }

    public int WidthBytes => WidthDots / 8;

    /// <summary>Packed rows, MSB first.</summary>
    public byte[] Bits { get; }

    public bool this[int x, int y] => (Bits[(y * WidthBytes) + (x >> 3)] & (0x80 >> (x & 7))) != 0;

    /// <summary>Black dots in the image (tests compare renderings by it).</summary>
    public int BlackDots => Bits.Sum(b => System.Numerics.BitOperations.PopCount(b));
}
