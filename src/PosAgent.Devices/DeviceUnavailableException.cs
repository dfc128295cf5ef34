namespace PosAgent.Devices;

/// <summary>The device is missing, unplugged, busy or closed; a driver reconnects after it.</summary>
public sealed class DeviceUnavailableException : IOException
{
    public DeviceUnavailableException(string device, int errno, string message)
        : base(message)
    {
        Device = device;
        Errno = errno;
    }

    public DeviceUnavailableException(string device, string message)
        : this(device, 0, message)
    {
    }

    public DeviceUnavailableException(string device, string message, Exception innerException)
        : base(message, innerException)
    {
        Device = device;
    }

    public DeviceUnavailableException()
        : this(string.Empty, 0, "The device is unavailable.")
    {
    }

    public DeviceUnavailableException(string message)
        : this(string.Empty, 0, message)
    {
    }

    public DeviceUnavailableException(string message, Exception innerException)
        : base(message, innerException)
    {
        Device = string.Empty;
    }

    /// <summary>The device path or address.</summary>
    public string Device { get; }

    /// <summary>The Linux errno behind it, or 0.</summary>
    public int Errno { get; }
}
