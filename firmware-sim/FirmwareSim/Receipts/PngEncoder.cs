using System.Buffers.Binary;
using System.IO.Compression;
using System.Text;

namespace FirmwareSim.Receipts;

/// <summary>
/// Writes printer dots as a 1-bit greyscale PNG (no image library needed: the format is a zlib
/// stream in CRC-checked chunks).
/// </summary>
internal static class PngEncoder
{
    private static readonly byte[] Signature = [0x89, (byte)'P', (byte)'N', (byte)'G', 0x0D, 0x0A, 0x1A, 0x0A];

    /// <param name="bits">Rows MSB first, 1 = black dot (ESC/POS); PNG's 1-bit grey has 1 = white, so bits are inverted.</param>
    public static byte[] OneBit(int width, int height, byte[] bits)
    {
        var rowBytes = (width + 7) / 8;
        using var png = new MemoryStream();
        png.Write(Signature);
        var header = new byte[13];
        BinaryPrimitives.WriteInt32BigEndian(header, width);
        BinaryPrimitives.WriteInt32BigEndian(header.AsSpan(4), height);
        header[8] = 1; // bit depth
        header[9] = 0; // greyscale
        Chunk(png, "IHDR", header);
        using (var raw = new MemoryStream())
        {
            using (var zlib = new ZLibStream(raw, CompressionLevel.Optimal, leaveOpen: true))
            {
                var row = new byte[rowBytes + 1];
                for (var y = 0; y < height; y++)
                {
                    row[0] = 0; // filter: none
                    for (var i = 0; i < rowBytes; i++)
                    {
                        row[i + 1] = (byte)~bits[(y * rowBytes) + i];
                    }

                    zlib.Write(row);
                }
            }

            Chunk(png, "IDAT", raw.ToArray());
        }

        Chunk(png, "IEND", []);
        return png.ToArray();
    }

    private static void Chunk(Stream png, string type, byte[] data)
    {
        Span<byte> length = stackalloc byte[4];
        BinaryPrimitives.WriteInt32BigEndian(length, data.Length);
        png.Write(length);
        var typeBytes = Encoding.ASCII.GetBytes(type);
        png.Write(typeBytes);
        png.Write(data);
        Span<byte> sum = stackalloc byte[4];
        BinaryPrimitives.WriteUInt32BigEndian(sum, ~Crc(Crc(0xFFFFFFFFu, typeBytes), data));
        png.Write(sum);
    }

    // CRC-32 (ISO-HDLC, reflected 0xEDB88320) as PNG requires; System.IO.Hashing is a separate package.
    private static readonly uint[] CrcTable = Enumerable.Range(0, 256).Select(n =>
    {
        var c = (uint)n;
        for (var k = 0; k < 8; k++)
        {
            c = (c & 1) != 0 ? 0xEDB88320u ^ (c >> 1) : c >> 1;
        }

        return c;
    }).ToArray();

    private static uint Crc(uint crc, ReadOnlySpan<byte> data)
    {
        foreach (var b in data)
        {
            crc = CrcTable[(crc ^ b) & 0xFF] ^ (crc >> 8);
        }

        return crc;
    }
}
