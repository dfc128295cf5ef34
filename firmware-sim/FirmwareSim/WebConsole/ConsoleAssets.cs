using Microsoft.AspNetCore.Http;

namespace FirmwareSim.WebConsole;

/// <summary>The page, its script and its style sheet, embedded in the simulator (no CDN: the terminal may be offline).</summary>
internal static class ConsoleAssets
{
    private const string PagePolicy = "default-src 'self'; img-src 'self' data:; frame-src 'self'; base-uri 'none'; form-action 'none'; frame-ancestors 'none'";

    private static readonly Dictionary<string, string> Types = new(StringComparer.Ordinal)
    {
        ["index.html"] = "text/html; charset=utf-8",
        ["console.js"] = "text/javascript; charset=utf-8",
        ["console.css"] = "text/css; charset=utf-8",
    };

    public static async Task WriteAsync(HttpContext context, string name)
    {
        var stream = Types.ContainsKey(name) ? typeof(ConsoleAssets).Assembly.GetManifestResourceStream("WebConsole/" + name) : null;
        if (stream is null)
        {
            context.Response.StatusCode = StatusCodes.Status404NotFound;
            return;
        }

        await using (stream.ConfigureAwait(false))
        {
            context.Response.ContentType = Types[name];
            context.Response.Headers.ContentSecurityPolicy = PagePolicy;
            await stream.CopyToAsync(context.Response.Body, context.RequestAborted).ConfigureAwait(false);
        }
    }
}
