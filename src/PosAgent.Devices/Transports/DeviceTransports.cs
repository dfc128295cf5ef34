using PosAgent.Devices.Internal;

namespace PosAgent.Devices.Transports;

/// <summary>Creates the transport for a configuration, picking the implementation for this OS.</summary>
public static class DeviceTransports
{
    /// <summary>A closed transport; throws <see cref="ArgumentException"/> listing every problem with the options.</summary>
    public static IDeviceTransport Create(TransportOptions options, string device = "device")
    {
        ArgumentNullException.ThrowIfNull(options);
        var problems = options.Validate(device);
        if (problems.Count > 0)
        {
            throw new ArgumentException(string.Join(Environment.NewLine, problems), nameof(options));
        }

        return options.Kind switch
        {
            TransportKind.Tcp => new TcpTransport(options),
            TransportKind.Serial when options.ResolvedSerialDriver == SerialDriver.SerialPort => new SerialPortTransport(options),
            TransportKind.HidKeyboard or TransportKind.HidPos when OperatingSystem.IsLinux() => new HidTransport(options),
            _ when OperatingSystem.IsLinux() => new FileDescriptorTransport(options),
            _ => throw new PlatformNotSupportedException($"{device}: {options.Kind} transport is implemented for Linux only (serial ports on Windows use the SerialPort driver)."),
        };
    }
}
