namespace PosAgent.Devices.Transports;

/// <summary>A candidate device found on this machine.</summary>
/// <param name="Path">The device node, e.g. /dev/ttyUSB0 or /dev/usb/lp0.</param>
/// <param name="StablePath">A /dev/serial/by-id/... link to it (survives re-enumeration), or null.</param>
/// <param name="Kind">Serial tty, USB printer class, HID POS (hidraw) or keyboard wedge (evdev).</param>
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
    /// <summary>Serial ttys backed by hardware, USB printer-class nodes and USB HID nodes (hidraw, evdev), from /sys; empty on other OSes.</summary>
    public static IReadOnlyList<SerialDeviceInfo> List() =>
        OperatingSystem.IsLinux() ? new Internal.SysfsDiscovery("/sys", "/dev").List() : [];

    /// <summary>
    /// The nodes of the USB device <paramref name="vendorId"/>:<paramref name="productId"/> (4 hex digits each,
    /// any case), of <paramref name="kind"/> when given: how a HID scanner is found whatever eventN or hidrawN it got.
    /// </summary>
    public static IReadOnlyList<SerialDeviceInfo> Find(string vendorId, string productId, TransportKind? kind = null) =>
        Find(List(), vendorId, productId, kind);

    internal static IReadOnlyList<SerialDeviceInfo> Find(IEnumerable<SerialDeviceInfo> devices, string vendorId, string productId, TransportKind? kind) =>
        [.. devices.Where(d =>
            string.Equals(d.VendorId, vendorId, StringComparison.OrdinalIgnoreCase)
            && string.Equals(d.ProductId, productId, StringComparison.OrdinalIgnoreCase)
            && (kind is null || d.Kind == kind))];
}
