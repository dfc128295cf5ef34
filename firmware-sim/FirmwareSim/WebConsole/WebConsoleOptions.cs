using System.Net;

namespace FirmwareSim.WebConsole;

/// <summary>Where the web console listens and who may use it.</summary>
public sealed class WebConsoleOptions
{
    /// <summary>The address to bind. Default 127.0.0.1; any other than a loopback address requires <see cref="Token"/>.</summary>
    public IPAddress Address { get; set; } = IPAddress.Loopback;

    /// <summary>The TCP port; 0 (the default) takes any free port.</summary>
    public int Port { get; set; }

    /// <summary>
    /// The secret a browser must present (once as ?token=..., then as a cookie; or as
    /// "Authorization: Bearer ..."). Default none, allowed only on a loopback address.
    /// </summary>
    public string? Token { get; set; }

    /// <summary>The lane's name in the page title. Default "lane".</summary>
    public string LaneName { get; set; } = "lane";

    /// <summary>Throws <see cref="ArgumentException"/> listing every problem.</summary>
    public void Validate()
    {
        List<string> problems = [];
        if (Port is < 0 or > 65535)
        {
            problems.Add($"Web console port {Port} is outside 0-65535");
        }

        if (Token is { } token && token.Length < 16)
        {
            problems.Add("--web-token must be at least 16 characters (anyone who can reach the port can try tokens)");
        }

        if (!IPAddress.IsLoopback(Address) && string.IsNullOrEmpty(Token))
        {
            problems.Add($"--web-bind {Address} is reachable from other machines: give --web-token as well");
        }

        if (problems.Count > 0)
        {
            throw new ArgumentException("Invalid web console options: " + string.Join("; ", problems));
        }
    }
}
