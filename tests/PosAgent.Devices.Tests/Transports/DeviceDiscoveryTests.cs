using PosAgent.Devices.Internal;
using PosAgent.Devices.Transports;
using PosAgent.TestSupport;

namespace PosAgent.Devices.Tests.Transports;

public sealed class DeviceDiscoveryTests : IDisposable
{
    private readonly TempDirectory _dir = new("pa-sys-");

    public void Dispose() => _dir.Dispose();

    private string Dir(params string[] parts)
    {
        var path = Path.Combine([_dir.Path, .. parts]);
        Directory.CreateDirectory(path);
        return path;
    }

    private void Write(string dir, string file, string text) => File.WriteAllText(Path.Combine(dir, file), text + "\n");

    /// <summary>A sysfs-shaped tree: an FTDI adapter (ttyUSB0), a virtual tty, a legacy ttyS slot and a USB printer.</summary>
    private SysfsDiscovery Arrange()
    {
        var usb = Dir("sys", "devices", "pci0", "usb1", "1-2");
        Write(usb, "idVendor", "0403");
        Write(usb, "idProduct", "6001");
        Write(usb, "manufacturer", "FTDI");
        Write(usb, "product", "FT232R USB UART");
        Write(usb, "serial", "A50285BI");
        var iface = Dir("sys", "devices", "pci0", "usb1", "1-2", "1-2:1.0", "ttyUSB0");
        Dir("sys", "bus", "usb-serial", "drivers", "ftdi_sio");
        Dir("sys", "bus", "usb-serial");
        File.CreateSymbolicLink(Path.Combine(iface, "driver"), Path.Combine(_dir.Path, "sys", "bus", "usb-serial", "drivers", "ftdi_sio"));
        File.CreateSymbolicLink(Path.Combine(iface, "subsystem"), Path.Combine(_dir.Path, "sys", "bus", "usb-serial"));
        var tty = Dir("sys", "class", "tty", "ttyUSB0");
        Directory.CreateSymbolicLink(Path.Combine(tty, "device"), iface);
        Dir("sys", "class", "tty", "tty0");
        var platform = Dir("sys", "bus", "platform");
        var slot = Dir("sys", "devices", "platform", "serial8250");
        File.CreateSymbolicLink(Path.Combine(slot, "subsystem"), platform);
        Directory.CreateSymbolicLink(Path.Combine(Dir("sys", "class", "tty", "ttyS0"), "device"), slot);
        var lpUsb = Dir("sys", "devices", "pci0", "usb1", "1-3");
        Write(lpUsb, "idVendor", "04b8");
        Write(lpUsb, "idProduct", "0e15");
        var lpIface = Dir("sys", "devices", "pci0", "usb1", "1-3", "1-3:1.0");
        Directory.CreateSymbolicLink(Path.Combine(Dir("sys", "class", "usbmisc", "lp0"), "device"), lpIface);
        var byId = Dir("dev", "serial", "by-id");
        File.CreateSymbolicLink(Path.Combine(byId, "usb-FTDI_FT232R_USB_UART_A50285BI-if00-port0"), "../../ttyUSB0");
        return new SysfsDiscovery(Path.Combine(_dir.Path, "sys"), Path.Combine(_dir.Path, "dev"));
    }

    [Fact]
    public void List_UsbAdapterAndPrinter_ReportsIdsAndSkipsVirtualAndEmptySlots()
    {
        var devices = Arrange().List();

        Assert.Equal(2, devices.Count);
        var lp = devices[1];
        var ftdi = devices[0];
        Assert.Equal((TransportKind.Serial, "0403", "6001", "FTDI", "ftdi_sio", "A50285BI"), (ftdi.Kind, ftdi.VendorId, ftdi.ProductId, ftdi.Manufacturer, ftdi.Driver, ftdi.SerialNumber));
        Assert.EndsWith("/dev/ttyUSB0", ftdi.Path, StringComparison.Ordinal);
        Assert.EndsWith("usb-FTDI_FT232R_USB_UART_A50285BI-if00-port0", ftdi.StablePath, StringComparison.Ordinal);
        Assert.Equal((TransportKind.UsbPrinter, "04b8", "0e15"), (lp.Kind, lp.VendorId, lp.ProductId));
        Assert.EndsWith("/dev/usb/lp0", lp.Path, StringComparison.Ordinal);
    }

    [Fact]
    public void Find_HidScannerByVendorAndProduct_ListsItsHidrawAndEventNodes()
    {
        var discovery = Arrange();
        var scanner = Dir("sys", "devices", "pci0", "usb1", "1-4");
        Write(scanner, "idVendor", "0c2e");
        Write(scanner, "idProduct", "0b61");
        Write(scanner, "product", "Honeywell Scanner");
        var hid = Dir("sys", "devices", "pci0", "usb1", "1-4", "1-4:1.0", "0003:0C2E:0B61.0001");
        Directory.CreateSymbolicLink(Path.Combine(Dir("sys", "class", "hidraw", "hidraw0"), "device"), hid);
        var input = Dir("sys", "devices", "pci0", "usb1", "1-4", "1-4:1.0", "0003:0C2E:0B61.0001", "input", "input7");
        Directory.CreateSymbolicLink(Path.Combine(Dir("sys", "class", "input", "event7"), "device"), input);
        Directory.CreateSymbolicLink(Path.Combine(Dir("sys", "class", "input", "input7"), "device"), input);
        var builtIn = Dir("sys", "devices", "platform", "i8042", "serio0", "input", "input1");
        Directory.CreateSymbolicLink(Path.Combine(Dir("sys", "class", "input", "event1"), "device"), builtIn);

        var all = discovery.List();
        var found = DeviceDiscovery.Find(all, "0C2E", "0B61", kind: null);

        Assert.Equal(2, found.Count);
        Assert.Contains(found, d => d.Kind == TransportKind.HidPos && d.Path.EndsWith("/dev/hidraw0", StringComparison.Ordinal));
        Assert.Contains(found, d => d.Kind == TransportKind.HidKeyboard && d.Path.EndsWith("/dev/input/event7", StringComparison.Ordinal));
        Assert.DoesNotContain(all, d => d.Path.EndsWith("event1", StringComparison.Ordinal) || d.Path.EndsWith("input7", StringComparison.Ordinal));
        Assert.Single(DeviceDiscovery.Find(all, "0c2e", "0b61", TransportKind.HidPos));
    }

    [Fact]
    public void List_RealSysfs_DoesNotThrowAndListsOnlyExistingNodes()
    {
        var devices = DeviceDiscovery.List();

        Assert.All(devices, d => Assert.True(File.Exists(d.Path) || Directory.Exists(Path.GetDirectoryName(d.Path)), d.Path));
    }
}
