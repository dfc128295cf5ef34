namespace FirmwareSim.EscPos;

/// <summary>A real-time command found in the incoming stream.</summary>
internal enum RealTimeCommand
{
    /// <summary>DLE EOT n: transmit status n now.</summary>
    Status,

    /// <summary>DLE ENQ n: recover from an error (n=2: and clear the buffers).</summary>
    Recover,

    /// <summary>DLE DC4 1 m t: pulse the drawer now.</summary>
    DrawerPulse,

    /// <summary>DLE DC4 8 1 3 20 1 6 2 8: clear the buffers.</summary>
    ClearBuffers,
}

/// <summary>
/// Finds real-time commands (DLE EOT / ENQ / DC4) as bytes arrive, before they wait in the receive
/// buffer, as Epson printers do: they are acted on even while the printer is offline or its buffer
/// is full. Like the real thing it matches anywhere, including inside another command's parameters.
/// </summary>
internal sealed class RealTimeCommandScanner
{
    private readonly byte[] _args = new byte[8];
    private int _state;
    private int _argCount;
    private int _argsNeeded;

    /// <summary>Feeds one byte; returns a command when this byte completed one.</summary>
    public (RealTimeCommand Command, byte N)? Push(byte b)
    {
        switch (_state)
        {
            case 0:
                if (b == 0x10)
                {
                    _state = 1;
                }

                return null;
            case 1:
                _state = b switch { 0x04 => 2, 0x05 => 3, 0x14 => 4, 0x10 => 1, _ => 0 };
                return null;
            case 2:
                _state = 0;
                return (RealTimeCommand.Status, b);
            case 3:
                _state = 0;
                return (RealTimeCommand.Recover, b);
            case 4:
                _args[0] = b;
                _argCount = 1;
                _argsNeeded = b == 8 ? 8 : 3;
                _state = 5;
                return null;
            default:
                _args[_argCount++] = b;
                if (_argCount < _argsNeeded)
                {
                    return null;
                }

                _state = 0;
                return _args[0] switch
                {
                    1 => (RealTimeCommand.DrawerPulse, _args[1]),
                    8 when _args.AsSpan(1, 7).SequenceEqual((ReadOnlySpan<byte>)[1, 3, 20, 1, 6, 2, 8]) => (RealTimeCommand.ClearBuffers, 0),
                    _ => null,
                };
        }
    }
}
