namespace FirmwareSim.Scenarios;

/// <summary>Which device a command addresses.</summary>
public enum DeviceTarget
{
    /// <summary>The scanner.</summary>
    Scanner,

    /// <summary>The printer.</summary>
    Printer,

    /// <summary>Both devices.</summary>
    All,
}

/// <summary>A printer sensor a technician sets or a scenario expects.</summary>
public enum StatusCondition
{
    /// <summary>No fault: paper present, cover closed, online.</summary>
    Ready,

    /// <summary>Paper near end.</summary>
    NearEnd,

    /// <summary>Paper out.</summary>
    PaperOut,

    /// <summary>Cover open.</summary>
    CoverOpen,

    /// <summary>Offline.</summary>
    Offline,
}

/// <summary>
/// One command of the interactive prompt or one step of a scenario file (the same language).
/// <see cref="SimCommandParser"/> makes them; <see cref="SimCommandRunner"/> carries them out.
/// </summary>
public abstract record SimCommand
{
    /// <summary>The line the command came from (1-based), 0 when typed at the prompt.</summary>
    public int Line { get; init; }
}

/// <summary>scan CODE [SYMBOLOGY]</summary>
public sealed record ScanCommand(string Code, Symbology? Symbology) : SimCommand;

/// <summary>partial CODE BYTES [SYMBOLOGY]: the first BYTES bytes of the scan's frame.</summary>
public sealed record PartialScanCommand(string Code, int Bytes, Symbology? Symbology) : SimCommand;

/// <summary>garbage DEVICE [COUNT]: random bytes (seeded per run); raw DEVICE HEX: exact bytes.</summary>
public sealed record RawBytesCommand(DeviceTarget Device, byte[]? Bytes, int RandomCount) : SimCommand;

/// <summary>near-end / paper-out / cover / offline.</summary>
public sealed record SetFaultCommand(StatusCondition Fault, bool On) : SimCommand;

/// <summary>paper-out after N: the paper runs out after N more printed bytes.</summary>
public sealed record PaperOutAfterCommand(long Bytes) : SimCommand;

/// <summary>drawer close.</summary>
public sealed record CloseDrawerCommand : SimCommand;

/// <summary>unplug DEVICE / replug DEVICE.</summary>
public sealed record PlugCommand(DeviceTarget Device, bool Plugged) : SimCommand;

/// <summary>slow DEVICE FACTOR|off, stall DEVICE, resume DEVICE.</summary>
public sealed record LineCommand(DeviceTarget Device, double? Slowdown, bool? Stalled) : SimCommand;

/// <summary>wait DURATION.</summary>
public sealed record WaitCommand(TimeSpan Duration) : SimCommand;

/// <summary>expect receipt [N] contains "TEXT" [within DURATION].</summary>
public sealed record ExpectReceiptCommand(int? Number, string Contains, TimeSpan Within) : SimCommand;

/// <summary>expect status CONDITION [within DURATION].</summary>
public sealed record ExpectStatusCommand(StatusCondition Condition, TimeSpan Within) : SimCommand;

/// <summary>status, receipts [N], show N, diag, help, quit: prompt conveniences (also allowed in scenarios, except quit).</summary>
public sealed record InfoCommand(string Name, int? Argument) : SimCommand;
