namespace FirmwareSim.Receipts;

/// <summary>Raster dots as the paper shows them: scaled by the command's mode, the padding bits of a row's last byte dropped.</summary>
internal static class RasterBits
{
    /// <summary>
    /// Rows of <paramref name="width"/> dots (each row (width + 7) / 8 bytes, MSB first) scaled by
    /// <paramref name="scaleX"/> and <paramref name="scaleY"/> (1 or 2); bits past the width are
    /// not printed, so they are cleared.
    /// </summary>
    public static byte[] Scale(ReadOnlySpan<byte> source, int width, int height, int scaleX, int scaleY)
    {
        var sourceRow = (width + 7) / 8;
        var outWidth = width * scaleX;
        var outRow = (outWidth + 7) / 8;
        var result = new byte[outRow * height * scaleY];
        for (var y = 0; y < height; y++)
        {
            var row = source.Slice(y * sourceRow, sourceRow);
            var target = result.AsSpan(y * scaleY * outRow, outRow);
            for (var x = 0; x < width; x++)
            {
                if ((row[x >> 3] & (0x80 >> (x & 7))) == 0)
                {
                    continue;
                }

                for (var i = 0; i < scaleX; i++)
                {
                    var ox = (x * scaleX) + i;
                    target[ox >> 3] |= (byte)(0x80 >> (ox & 7));
                }
            }

            for (var j = 1; j < scaleY; j++)
            {
                target.CopyTo(result.AsSpan(((y * scaleY) + j) * outRow, outRow));
            }
        }

        return result;
    }
}
