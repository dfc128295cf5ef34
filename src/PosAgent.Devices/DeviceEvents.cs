using PosAgent.Devices.Printing;
using PosAgent.Devices.Scanning;

namespace PosAgent.Devices;

/// <summary>Something a device driver reports, for the agent's event stream.</summary>
/// <param name="Device">The configured device name.</param>
/// <param name="Time">When it happened (the driver's <see cref="TimeProvider"/>).</param>
public abstract record DeviceEvent(string Device, DateTimeOffset Time);

/// <summary>The link state of a device.</summary>
public enum DeviceConnectionState
{
    /// <summary>Opened and configured; the driver is working.</summary>
    Connected = 0,

    /// <summary>Lost (unplugged, closed by the other side); the driver reopens with backoff.</summary>
    Disconnected = 1,

    /// <summary>Cannot be opened (missing, busy, no permission, bad settings); the driver keeps trying.</summary>
    Failed = 2,
}

/// <summary>The device was connected, lost, or could not be opened.</summary>
/// <param name="Path">The device path or address.</param>
/// <param name="Error">Why it failed or was lost; null on connect.</param>
public sealed record DeviceConnectionEvent(string Device, DateTimeOffset Time, DeviceConnectionState State, string Path, string? Error)
    : DeviceEvent(Device, Time);

/// <summary>A barcode was scanned and passed framing and check-digit checks.</summary>
/// <param name="Symbology">From the AIM identifier, or inferred from the data when there is none.</param>
/// <param name="Data">The decoded data (prefix, AIM id and suffix removed).</param>
/// <param name="Kind">A loyalty card (by a configured card format) or a product code.</param>
/// <param name="CardFormat">The matching card format's name when <paramref name="Kind"/> is <see cref="ScanKind.LoyaltyCard"/>.</param>
public sealed record ScanEvent(string Device, DateTimeOffset Time, Symbology Symbology, string Data, ScanKind Kind, string? CardFormat)
    : DeviceEvent(Device, Time)
{
    /// <summary>Data safe for logs: a loyalty card number is masked to its last four digits.</summary>
    public string MaskedData => Kind == ScanKind.LoyaltyCard ? CardNumberMask.Mask(Data) : Data;

    /// <inheritdoc />
    public override string ToString() => $"ScanEvent {{ Device = {Device}, Time = {Time:O}, Symbology = {Symbology}, Data = {MaskedData}, Kind = {Kind}, CardFormat = {CardFormat} }}";
}

/// <summary>Bytes from the scanner that are not a good scan; the next scan is read normally.</summary>
/// <param name="Reason">What was wrong.</param>
/// <param name="Detail">A human-readable explanation (never a full card number).</param>
public sealed record ScanErrorEvent(string Device, DateTimeOffset Time, ScanErrorReason Reason, string Detail)
    : DeviceEvent(Device, Time);

/// <summary>The printer's status changed (polled with DLE EOT between jobs, or pushed by automatic status back).</summary>
public sealed record PrinterStatusEvent(string Device, DateTimeOffset Time, PrinterStatus Status)
    : DeviceEvent(Device, Time);

/// <summary>What happened to a print job.</summary>
public enum PrintJobState
{
    /// <summary>Stored in the queue, waiting.</summary>
    Queued = 0,

    /// <summary>Being sent to the printer now.</summary>
    Printing = 3,

    /// <summary>Interrupted or waiting for the printer (paper out, cover open, offline, disconnected).</summary>
    Held = 1,

    /// <summary>Printed in full (possibly as a marked copy).</summary>
    Completed = 2,
}

/// <summary>A print job was queued, held, or completed.</summary>
/// <param name="JobId">The job's id, as returned by the enqueue call.</param>
/// <param name="Copy">True when the printed result carries a COPY mark because an earlier attempt may have come out in part.</param>
/// <param name="Reason">Why a job is held; null otherwise.</param>
public sealed record PrintJobEvent(string Device, DateTimeOffset Time, string JobId, PrintJobState State, bool Copy, string? Reason)
    : DeviceEvent(Device, Time);

/// <summary>Characters the printer's code page lacks were replaced (with '?') in a receipt.</summary>
/// <param name="JobId">The job they belong to.</param>
/// <param name="Characters">The distinct characters replaced.</param>
public sealed record ReceiptEncodingEvent(string Device, DateTimeOffset Time, string JobId, string Characters)
    : DeviceEvent(Device, Time);
