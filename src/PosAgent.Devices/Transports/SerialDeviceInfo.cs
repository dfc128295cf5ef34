namespace PosAgent.Devices.Transports;

/// <summary>A candidate device found on this machine.</summary>
/// <param name="Path">The device node, e.g. /dev/ttyUSB0 or /dev/usb/lp0.</param>
/// <param name="StablePath">A /dev/serial/by-id/... link to it (survives re-enumeration), or null.</param>
/// <param name="Kind">Serial tty or USB printer class.</param>
/// <param name="Driver">The kernel driver (ftdi_sio, cdc_acm, pl2303, usblp, serial8250...), or null.</param>
/// <param name="VendorId">USB vendor id as 4 hex digits (e.g. "0403"), or null when not on USB.</param>
/// <param name="ProductId">USB product id as 4 hex digits, or null.</param>
/// <param name="Manufacturer">USB manufacturer string, or null.</param>
/// <param name="Product">USB product string, or null.</param>
/// <param name="SerialNumber">USB serial number, or null.</param>
public sealed record SerialDeviceInfo(
    string Path,
    string? StablePath,
    TransportKind Kind,
    string? Driver,
    string? VendorId,
    string? ProductId,
    string? Manufacturer,
    string? Product,
    string? SerialNumber);

/// <summary>Lists candidate scanner and printer devices with their USB vendor/product ids.</summary>
public static class DeviceDiscovery
{
    /// <summary>Serial ttys backed by hardware and USB printer-class nodes, from /sys; empty on other OSes.</summary>
    public static IReadOnlyList<SerialDeviceInfo> List() =>
        OperatingSystem.IsLinux() ? new Internal.SysfsDiscovery("/sys", "/dev").List() : [];
}
