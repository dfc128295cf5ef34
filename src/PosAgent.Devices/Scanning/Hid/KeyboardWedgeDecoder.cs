using System.Buffers.Binary;

namespace PosAgent.Devices.Scanning.Hid;

/// <summary>
/// Turns Linux evdev records (struct input_event) from a keyboard-wedge scanner into the ASCII it
/// typed, by key code and the scanner's own Shift presses, never through the OS keyboard layout: a
/// scanner typing "4006381333931" gives those digits on a machine set to a Russian layout too.
/// Enter becomes CR, the frame end the scanner driver expects; a key with no ASCII meaning becomes
/// 0x00, so its frame is reported as garbage instead of silently losing a character.
/// </summary>
public sealed class KeyboardWedgeDecoder
{
    /// <summary>sizeof(struct input_event) on 64-bit Linux: struct timeval (2 x 8 bytes), u16 type, u16 code, s32 value.</summary>
    public const int EventSize = 24;

    /// <summary>EV_SYN: the end of one batch of events.</summary>
    public const ushort EvSyn = 0;

    /// <summary>EV_KEY: a key went down (value 1), up (0) or repeats (2).</summary>
    public const ushort EvKey = 1;

    /// <summary>KEY_ENTER.</summary>
    public const ushort KeyEnter = 28;

    /// <summary>KEY_LEFTSHIFT.</summary>
    public const ushort KeyLeftShift = 42;

    /// <summary>KEY_RIGHTSHIFT.</summary>
    public const ushort KeyRightShift = 54;

    /// <summary>KEY_KPENTER.</summary>
    public const ushort KeyKeypadEnter = 96;

    private static readonly Dictionary<ushort, (char Plain, char Shifted)> Keys = BuildKeys();
    private readonly byte[] _pending = new byte[EventSize];
    private int _pendingCount;
    private bool _leftShift;
    private bool _rightShift;

    /// <summary>Feeds raw bytes (any split; a record cut by a read is completed by the next) and appends the typed ASCII.</summary>
    public void Feed(ReadOnlySpan<byte> bytes, List<byte> output)
    {
        ArgumentNullException.ThrowIfNull(output);
        while (!bytes.IsEmpty)
        {
            var take = Math.Min(EventSize - _pendingCount, bytes.Length);
            bytes[..take].CopyTo(_pending.AsSpan(_pendingCount));
            _pendingCount += take;
            bytes = bytes[take..];
            if (_pendingCount == EventSize)
            {
                _pendingCount = 0;
                Decode(_pending, output);
            }
        }
    }

    /// <summary>Forgets a half record and the Shift state (after the device was reopened).</summary>
    public void Reset()
    {
        _pendingCount = 0;
        _leftShift = _rightShift = false;
    }

    /// <summary>The key code and whether Shift is needed to type <paramref name="c"/> on a US keyboard; false when no key types it.</summary>
    public static bool TryGetKey(char c, out ushort code, out bool shift)
    {
        foreach (var (key, chars) in Keys)
        {
            if (key is >= 71 and <= 98)
            {
                continue; // keypad keys: the scanner's main-row keys are the usual choice
            }

            if (chars.Plain == c || chars.Shifted == c)
            {
                code = key;
                shift = chars.Plain != c;
                return true;
            }
        }

        code = 0;
        shift = false;
        return false;
    }

    private void Decode(ReadOnlySpan<byte> record, List<byte> output)
    {
        var type = BinaryPrimitives.ReadUInt16LittleEndian(record[16..]);
        var code = BinaryPrimitives.ReadUInt16LittleEndian(record[18..]);
        var value = BinaryPrimitives.ReadInt32LittleEndian(record[20..]);
        if (type != EvKey)
        {
            return; // EV_SYN, EV_MSC (scan codes), EV_LED: nothing typed
        }

        switch (code)
        {
            case KeyLeftShift:
                _leftShift = value != 0;
                return;
            case KeyRightShift:
                _rightShift = value != 0;
                return;
        }

        if (value != 1)
        {
            return; // key up; auto-repeat is not a scanner's
        }

        if (code is KeyEnter or KeyKeypadEnter)
        {
            output.Add((byte)'\r');
            return;
        }

        output.Add(Keys.TryGetValue(code, out var chars) ? (byte)(_leftShift || _rightShift ? chars.Shifted : chars.Plain) : (byte)0);
    }

    private static Dictionary<ushort, (char, char)> BuildKeys()
    {
        var keys = new Dictionary<ushort, (char, char)>();
        void Row(ushort first, string plain, string shifted)
        {
            for (var i = 0; i < plain.Length; i++)
            {
                keys[(ushort)(first + i)] = (plain[i], shifted[i]);
            }
        }

        // linux/input-event-codes.h, US positions.
        Row(2, "1234567890-=", "!@#$%^&*()_+");
        Row(15, "\tqwertyuiop[]", "\tQWERTYUIOP{}");
        Row(30, "asdfghjkl;'`", "ASDFGHJKL:\"~");
        Row(43, "\\zxcvbnm,./", "|ZXCVBNM<>?");
        keys[55] = ('*', '*');
        keys[57] = (' ', ' ');
        Row(71, "789-456+1230.", "789-456+1230.");
        keys[98] = ('/', '/');
        return keys;
    }
}
