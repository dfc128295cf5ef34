using System.Globalization;
using System.Text;
using Microsoft.AspNetCore.Http;

namespace FirmwareSim.WebConsole;

/// <summary>A kept receipt as N.html (drawn), N.txt (text) or N.bin (the raw ESC/POS bytes), the last two as downloads.</summary>
internal static class ReceiptFiles
{
    // The receipt page is the printer's output, shown in a frame of the console: no script, its own styles and images only.
    private const string ReceiptPolicy = "default-src 'none'; img-src data:; style-src 'unsafe-inline'; frame-ancestors 'self'";

    public static async Task WriteAsync(HttpContext context, SimulatedPrinter? printer, string file)
    {
        var response = context.Response;
        var dot = file.LastIndexOf('.');
        var receipt = dot > 0 && int.TryParse(file.AsSpan(0, dot), NumberStyles.None, CultureInfo.InvariantCulture, out var number)
            ? printer?.Receipts.FirstOrDefault(r => r.Number == number)
            : null;
        if (receipt is null)
        {
            response.StatusCode = StatusCodes.Status404NotFound;
            await response.WriteAsync("No such receipt (the printer keeps the most recent ones).", context.RequestAborted).ConfigureAwait(false);
            return;
        }

        var stem = string.Create(CultureInfo.InvariantCulture, $"{receipt.Device}-{receipt.CompletedAt:yyyyMMdd-HHmmss}-{receipt.Number:0000}");
        switch (file[(dot + 1)..])
        {
            case "html":
                response.ContentType = "text/html; charset=utf-8";
                response.Headers.ContentSecurityPolicy = ReceiptPolicy;
                await response.WriteAsync(receipt.Html, context.RequestAborted).ConfigureAwait(false);
                break;
            case "txt":
                response.ContentType = "text/plain; charset=utf-8";
                response.Headers.ContentDisposition = $"attachment; filename=\"{stem}.txt\"";
                await response.Body.WriteAsync(Encoding.UTF8.GetBytes(receipt.Text), context.RequestAborted).ConfigureAwait(false);
                break;
            case "bin":
                response.ContentType = "application/octet-stream";
                response.Headers.ContentDisposition = $"attachment; filename=\"{stem}.bin\"";
                await response.Body.WriteAsync(receipt.RawBytes, context.RequestAborted).ConfigureAwait(false);
                break;
            default:
                response.StatusCode = StatusCodes.Status404NotFound;
                break;
        }
    }
}
