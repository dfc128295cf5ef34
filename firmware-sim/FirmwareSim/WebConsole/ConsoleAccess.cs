using System.Net;
using System.Security.Cryptography;
using System.Text;
using Microsoft.AspNetCore.Http;

namespace FirmwareSim.WebConsole;

/// <summary>
/// Who may use the console. With a token, every request must carry it (a ?token= link sets a
/// cookie once). On a loopback address, only loopback host names are served, so a web page the
/// technician visits cannot reach the console by pointing its own DNS name at 127.0.0.1. Every
/// action must carry the X-Firmware-Sim header, which a cross-site form cannot send.
/// </summary>
internal sealed class ConsoleAccess(WebConsoleOptions options)
{
    public const string CookieName = "firmware_sim_token";
    public const string ActionHeader = "X-Firmware-Sim";

    private readonly byte[]? _token = string.IsNullOrEmpty(options.Token) ? null : Encoding.UTF8.GetBytes(options.Token);
    private readonly bool _loopback = IPAddress.IsLoopback(options.Address);

    public async Task InvokeAsync(HttpContext context, RequestDelegate next)
    {
        var request = context.Request;
        var response = context.Response;
        response.Headers["X-Content-Type-Options"] = "nosniff";
        response.Headers["Referrer-Policy"] = "no-referrer";
        response.Headers.CacheControl = "no-store";
        if (_loopback && !IsLoopbackHost(request.Host.Host))
        {
            response.StatusCode = StatusCodes.Status421MisdirectedRequest;
            await response.WriteAsync("This console answers only to localhost, 127.0.0.1 or [::1].", context.RequestAborted).ConfigureAwait(false);
            return;
        }

        if (_token is not null)
        {
            if (request.Query.TryGetValue("token", out var fromLink) && Matches(fromLink.ToString()))
            {
                response.Cookies.Append(CookieName, fromLink.ToString(), new CookieOptions { HttpOnly = true, SameSite = SameSiteMode.Strict, Path = "/", IsEssential = true });
                if (HttpMethods.IsGet(request.Method))
                {
                    // Drop the token from the address bar (and from the history).
                    response.Redirect(request.PathBase + request.Path);
                    return;
                }
            }
            else if (!(request.Cookies.TryGetValue(CookieName, out var cookie) && Matches(cookie))
                && !(request.Headers.Authorization.ToString() is { } auth && auth.StartsWith("Bearer ", StringComparison.Ordinal) && Matches(auth["Bearer ".Length..])))
            {
                response.StatusCode = StatusCodes.Status401Unauthorized;
                await response.WriteAsync("The firmware-sim console needs its token: open the address firmware-sim printed (…/?token=...).", context.RequestAborted).ConfigureAwait(false);
                return;
            }
        }

        if (HttpMethods.IsPost(request.Method) && request.Headers[ActionHeader] != "1")
        {
            response.StatusCode = StatusCodes.Status403Forbidden;
            await response.WriteAsync($"Actions need the {ActionHeader}: 1 header.", context.RequestAborted).ConfigureAwait(false);
            return;
        }

        await next(context).ConfigureAwait(false);
    }

    private bool Matches(string? presented) =>
        presented is not null && CryptographicOperations.FixedTimeEquals(Encoding.UTF8.GetBytes(presented), _token);

    private static bool IsLoopbackHost(string host) =>
        host.Equals("localhost", StringComparison.OrdinalIgnoreCase)
        || (IPAddress.TryParse(host.Trim('[', ']'), out var ip) && IPAddress.IsLoopback(ip));
}
