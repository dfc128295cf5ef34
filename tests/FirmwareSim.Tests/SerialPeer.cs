namespace FirmwareSim.Tests;

/// <summary>
/// A python-serial client driven line by line: "w HEX" writes, "r N SECONDS" reads up to N bytes,
/// "u HEX SECONDS" reads up to a terminator. Every read has its own bounded timeout.
/// </summary>
internal sealed class SerialPeer : IAsyncDisposable
{
    private const string Script = """
        p = serial.Serial(sys.argv[1], int(sys.argv[2]), timeout=2)
        p.reset_input_buffer()
        out("ready")
        for line in sys.stdin:
            cmd, *args = line.split()
            try:
                if cmd == "w":
                    p.write(bytes.fromhex(args[0])); p.flush(); out("ok")
                elif cmd == "r":
                    p.timeout = float(args[1]); hexline(p.read(int(args[0])))
                elif cmd == "u":
                    p.timeout = float(args[1]); hexline(p.read_until(bytes.fromhex(args[0]), 65536))
                elif cmd == "baud":
                    p.baudrate = int(args[0]); out("ok")
                elif cmd == "q":
                    break
            except Exception as e:
                out("error " + type(e).__name__ + " " + str(e).replace("\n", " "))
        """;

    private readonly PythonClient _python;

    private SerialPeer(PythonClient python) => _python = python;

    public static async Task<SerialPeer> OpenAsync(string path, int baud)
    {
        var python = PythonClient.Start(Script, path, baud.ToString(System.Globalization.CultureInfo.InvariantCulture));
        var peer = new SerialPeer(python);
        var first = await python.ReadLineAsync();
        Assert.True(first == "ready", $"python-serial did not open {path}: {first} {python.StandardError}");
        return peer;
    }

    public async Task WriteAsync(byte[] data)
    {
        await _python.SendAsync("w " + Convert.ToHexString(data));
        Assert.Equal("ok", await _python.ReadLineAsync());
    }

    /// <summary>Reads up to <paramref name="count"/> bytes; an empty array when none came within <paramref name="seconds"/>.</summary>
    public async Task<byte[]> ReadAsync(int count, double seconds = 5) =>
        Parse(await Command(FormattableString.Invariant($"r {count} {seconds}"), seconds));

    public async Task<byte[]> ReadUntilAsync(byte[] terminator, double seconds = 5) =>
        Parse(await Command(FormattableString.Invariant($"u {Convert.ToHexString(terminator)} {seconds}"), seconds));

    /// <summary>The raw reply line of a read (for expecting "error ...").</summary>
    public Task<string> ReadLineRawAsync(int count, double seconds) => Command(FormattableString.Invariant($"r {count} {seconds}"), seconds);

    public async Task SetBaudAsync(int baud)
    {
        await _python.SendAsync(FormattableString.Invariant($"baud {baud}"));
        Assert.Equal("ok", await _python.ReadLineAsync());
    }

    private async Task<string> Command(string command, double seconds)
    {
        await _python.SendAsync(command);
        return await _python.ReadLineAsync(TimeSpan.FromSeconds(seconds + 10));
    }

    private static byte[] Parse(string line)
    {
        Assert.False(line.StartsWith("error", StringComparison.Ordinal), line);
        return line == "-" ? [] : Convert.FromHexString(line);
    }

    public async ValueTask DisposeAsync()
    {
        try
        {
            await _python.SendAsync("q");
            await _python.WaitForExitAsync();
        }
        catch (Exception ex) when (ex is IOException or TimeoutException or InvalidOperationException)
        {
            // Already gone; DisposeAsync below kills it if not.
        }

        await _python.DisposeAsync();
    }
}
