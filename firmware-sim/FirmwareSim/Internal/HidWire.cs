using System.Buffers.Binary;
using PosAgent.Devices.Scanning.Hid;

namespace FirmwareSim.Internal;

/// <summary>The bytes a USB HID scanner puts on its Linux node for one scan.</summary>
internal static class HidWire
{
    /// <summary>KEY_F1: a key that types nothing, sent for a byte no US key types (the driver reports the frame as garbage).</summary>
    private const ushort KeyF1 = 59;

    /// <summary>
    /// evdev records (struct input_event, 24 bytes) of a keyboard-wedge scanner typing
    /// <paramref name="frame"/> on a US layout: Shift down when needed, key down, SYN, key up, Shift up, SYN.
    /// CR is Enter; LF is not typed (a wedge scanner ends a scan with Enter).
    /// </summary>
    public static byte[] Keystrokes(ReadOnlySpan<byte> frame, DateTimeOffset time)
    {
        var output = new List<byte>();
        foreach (var b in frame)
        {
            if (b == (byte)'\n')
            {
                continue;
            }

            ushort code;
            var shift = false;
            if (b == (byte)'\r')
            {
                code = KeyboardWedgeDecoder.KeyEnter;
            }
            else if (!KeyboardWedgeDecoder.TryGetKey((char)b, out code, out shift) || b >= 0x80)
            {
                code = KeyF1;
                shift = false;
            }

            if (shift)
            {
                Event(output, time, KeyboardWedgeDecoder.EvKey, KeyboardWedgeDecoder.KeyLeftShift, 1);
            }

            Event(output, time, KeyboardWedgeDecoder.EvKey, code, 1);
            Event(output, time, KeyboardWedgeDecoder.EvSyn, 0, 0);
            Event(output, time, KeyboardWedgeDecoder.EvKey, code, 0);
            if (shift)
            {
                Event(output, time, KeyboardWedgeDecoder.EvKey, KeyboardWedgeDecoder.KeyLeftShift, 0);
            }

            Event(output, time, KeyboardWedgeDecoder.EvSyn, 0, 0);
        }

        return [.. output];
    }

    /// <summary>HID POS scanned data reports (usage page 0x8C) carrying <paramref name="data"/> with its AIM id.</summary>
    public static byte[] PosReports(ReadOnlySpan<byte> data, string? aim) =>
        [.. HidPosDecoder.Encode(data, aim).SelectMany(r => r)];

    private static void Event(List<byte> output, DateTimeOffset time, ushort type, ushort code, int value)
    {
        Span<byte> record = stackalloc byte[KeyboardWedgeDecoder.EventSize];
        var micros = time.ToUnixTimeMilliseconds() * 1000;
        BinaryPrimitives.WriteInt64LittleEndian(record, micros / 1_000_000);
        BinaryPrimitives.WriteInt64LittleEndian(record[8..], micros % 1_000_000);
        BinaryPrimitives.WriteUInt16LittleEndian(record[16..], type);
        BinaryPrimitives.WriteUInt16LittleEndian(record[18..], code);
        BinaryPrimitives.WriteInt32LittleEndian(record[20..], value);
        output.AddRange(record);
    }
}
