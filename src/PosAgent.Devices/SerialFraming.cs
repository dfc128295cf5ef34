namespace PosAgent.Devices;

/// <summary>Character framing on a serial line: data bits, parity, stop bits.</summary>
public enum SerialFraming
{
    /// <summary>8 data bits, no parity, 1 stop bit (the default; 10 bit-times per byte).</summary>
    EightNoneOne = 0,

    /// <summary>7 data bits, even parity, 1 stop bit (10 bit-times per byte).</summary>
    SevenEvenOne = 1,

    /// <summary>8 data bits, no parity, 2 stop bits (11 bit-times per byte).</summary>
    EightNoneTwo = 2,
}

/// <summary>Flow control on a serial line.</summary>
public enum FlowControl
{
    /// <summary>No flow control (the default).</summary>
    None = 0,

    /// <summary>Hardware handshake on the RTS/CTS lines.</summary>
    RtsCts = 1,

    /// <summary>Software handshake with XON (0x11) / XOFF (0x13) characters.</summary>
    XonXoff = 2,
}

/// <summary>Helpers for framing arithmetic.</summary>
public static class SerialFramingExtensions
{
    /// <summary>Bit-times one byte takes on the wire, start bit included.</summary>
    public static int BitsPerByte(this SerialFraming framing) => framing switch
    {
        SerialFraming.EightNoneTwo => 11,
        _ => 10,
    };

    /// <summary>The time <paramref name="byteCount"/> bytes take on a line of <paramref name="baud"/> bits per second.</summary>
    public static TimeSpan LineTime(this SerialFraming framing, int baud, long byteCount) =>
        TimeSpan.FromTicks(byteCount * framing.BitsPerByte() * TimeSpan.TicksPerSecond / Math.Max(1, baud));
}
