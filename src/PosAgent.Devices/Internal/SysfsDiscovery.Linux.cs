using PosAgent.Devices.Transports;

namespace PosAgent.Devices.Internal;

/// <summary>
/// Walks /sys/class/tty and /sys/class/usbmisc. Roots are parameters so tests can point at a
/// prepared tree (this machine has no USB serial adapters).
/// </summary>
internal sealed class SysfsDiscovery(string sysRoot, string devRoot)
{
    public IReadOnlyList<SerialDeviceInfo> List()
    {
        var byId = StableLinks();
        var found = new List<SerialDeviceInfo>();
        found.AddRange(Scan("class/tty", TransportKind.Serial, byId));
        found.AddRange(Scan("class/usbmisc", TransportKind.UsbPrinter, byId).Where(d => System.IO.Path.GetFileName(d.Path).StartsWith("lp", StringComparison.Ordinal)));
        found.AddRange(Scan("class/hidraw", TransportKind.HidPos, byId).Where(d => d.VendorId is not null));
        found.AddRange(Scan("class/input", TransportKind.HidKeyboard, byId).Where(d => d.VendorId is not null && System.IO.Path.GetFileName(d.Path).StartsWith("event", StringComparison.Ordinal)));
        return [.. found.OrderBy(d => d.Path, StringComparer.Ordinal)];
    }

    private IEnumerable<SerialDeviceInfo> Scan(string classDir, TransportKind kind, Dictionary<string, string> byId)
    {
        var root = System.IO.Path.Combine(sysRoot, classDir);
        if (!Directory.Exists(root))
        {
            yield break;
        }

        foreach (var entry in Directory.EnumerateFileSystemEntries(root).Order(StringComparer.Ordinal))
        {
            var name = System.IO.Path.GetFileName(entry);
            var device = System.IO.Path.Combine(entry, "device");
            if (!Directory.Exists(device))
            {
                // Virtual ttys (tty0, pts, console) have no device behind them.
                continue;
            }

            var subsystem = LinkName(System.IO.Path.Combine(device, "subsystem"));
            if (kind == TransportKind.Serial && name.StartsWith("ttyS", StringComparison.Ordinal) && subsystem is "platform" or "serial-base")
            {
                // Legacy 8250 slots that exist whether or not a UART is fitted.
                continue;
            }

            var usb = FindUsbDevice(device);
            var path = kind switch
            {
                TransportKind.UsbPrinter => System.IO.Path.Combine(devRoot, "usb", name),
                TransportKind.HidKeyboard => System.IO.Path.Combine(devRoot, "input", name),
                _ => System.IO.Path.Combine(devRoot, name),
            };
            yield return new SerialDeviceInfo(
                path,
                byId.GetValueOrDefault(name),
                kind,
                LinkName(System.IO.Path.Combine(device, "driver")),
                usb is null ? null : Read(usb, "idVendor"),
                usb is null ? null : Read(usb, "idProduct"),
                usb is null ? null : Read(usb, "manufacturer"),
                usb is null ? null : Read(usb, "product"),
                usb is null ? null : Read(usb, "serial"));
        }
    }

    /// <summary>Walks up from the interface to the USB device directory (the one with idVendor).</summary>
    private string? FindUsbDevice(string device)
    {
        var dir = new DirectoryInfo(Resolve(device));
        for (var i = 0; i < 8 && dir is not null; i++, dir = dir.Parent)
        {
            if (File.Exists(System.IO.Path.Combine(dir.FullName, "idVendor")) && File.Exists(System.IO.Path.Combine(dir.FullName, "idProduct")))
            {
                return dir.FullName;
            }

            if (dir.FullName.Length <= sysRoot.Length)
            {
                break;
            }
        }

        return null;
    }

    private Dictionary<string, string> StableLinks()
    {
        var links = new Dictionary<string, string>(StringComparer.Ordinal);
        var byId = System.IO.Path.Combine(devRoot, "serial", "by-id");
        if (!Directory.Exists(byId))
        {
            return links;
        }

        foreach (var link in Directory.EnumerateFileSystemEntries(byId).Order(StringComparer.Ordinal))
        {
            var target = new FileInfo(link).LinkTarget;
            if (target is not null)
            {
                links.TryAdd(System.IO.Path.GetFileName(target), link);
            }
        }

        return links;
    }

    private static string Resolve(string path)
    {
        var info = new DirectoryInfo(path);
        return info.LinkTarget is null ? info.FullName : info.ResolveLinkTarget(returnFinalTarget: true)?.FullName ?? info.FullName;
    }

    private static string? LinkName(string path)
    {
        var info = new FileInfo(path);
        return info.LinkTarget is { } target ? System.IO.Path.GetFileName(target.TrimEnd('/')) : null;
    }

    private static string? Read(string dir, string file)
    {
        var path = System.IO.Path.Combine(dir, file);
        try
        {
            return File.Exists(path) ? File.ReadAllText(path).Trim() : null;
        }
        catch (IOException)
        {
            return null;
        }
        catch (UnauthorizedAccessException)
        {
            return null;
        }
    }
}
