using System.Globalization;
using System.Net;
using System.Text;
using QRCoder;

namespace FirmwareSim.Receipts;

/// <summary>Renders a printed document as aligned UTF-8 text and as an HTML page a person can look at.</summary>
internal static class ReceiptRenderer
{
    public static string ToText(ReceiptDocument document, int charsPerLine)
    {
        var sb = new StringBuilder();
        foreach (var block in document.Blocks)
        {
            switch (block)
            {
                case TextLineBlock line:
                    AppendAligned(sb, line.PlainText.TrimEnd(), line.Alignment, charsPerLine, line.Columns - (line.PlainText.Length - line.PlainText.TrimEnd().Length));
                    break;
                case BarcodeBlock barcode:
                    AppendAligned(sb, $"[{barcode.Symbology.DisplayName()} {barcode.Data}]", barcode.Alignment, charsPerLine, null);
                    break;
                case QrBlock qr:
                    AppendAligned(sb, $"[QR {qr.Data}]", qr.Alignment, charsPerLine, null);
                    break;
                case ImageBlock image:
                    AppendAligned(sb, image.WidthDots > 0 ? $"[image {image.WidthDots}x{image.HeightDots} dots]" : "[image]", image.Alignment, charsPerLine, null);
                    break;
                case NoticeBlock notice:
                    sb.Append("*** ").Append(notice.Message).Append(" ***\n");
                    break;
            }
        }

        return sb.ToString();
    }

    private static void AppendAligned(StringBuilder sb, string text, Alignment alignment, int width, int? columns)
    {
        if (text.Length == 0)
        {
            sb.Append('\n');
            return;
        }

        var used = columns ?? text.Length;
        var pad = alignment switch
        {
            Alignment.Center => Math.Max(0, (width - used) / 2),
            Alignment.Right => Math.Max(0, width - used),
            _ => 0,
        };
        sb.Append(' ', pad).Append(text).Append('\n');
    }

    public static string ToHtml(ReceiptDocument document, int charsPerLine, string title)
    {
        var sb = new StringBuilder();
        sb.Append("<!DOCTYPE html>\n<html lang=\"en\"><head><meta charset=\"utf-8\"><title>")
            .Append(WebUtility.HtmlEncode(title))
            .Append("</title>\n<style>\n")
            .Append("body{background:#ddd;font-family:'DejaVu Sans Mono',Consolas,monospace;}\n")
            .Append(CultureInfo.InvariantCulture, $".paper{{background:#fff;width:{charsPerLine}ch;margin:1em auto;padding:1em 1.5ch;box-shadow:0 1px 4px #999;}}\n")
            .Append(".line{white-space:pre;min-height:1.2em;line-height:1.2;overflow:hidden;}\n")
            .Append(".b{font-weight:bold}.u{text-decoration:underline}.r{background:#000;color:#fff}.fb{font-size:0.8em}\n")
            .Append(".code{margin:0.4em 0}.hri{font-size:0.9em}.notice{color:#b00;font-style:italic;text-align:center;border:1px dashed #b00;margin:0.3em 0}\n")
            .Append(".img{display:inline-block;border:1px dotted #888;color:#888;padding:0.5em}\n")
            .Append(".raster{line-height:0}.raster img{image-rendering:pixelated;display:inline-block}\n")
            .Append("</style></head>\n<body><div class=\"paper\">\n");
        foreach (var block in document.Blocks)
        {
            switch (block)
            {
                case TextLineBlock line:
                    AppendLine(sb, line);
                    break;
                case BarcodeBlock barcode:
                    AppendBarcode(sb, barcode);
                    break;
                case QrBlock qr:
                    AppendQr(sb, qr);
                    break;
                case ImageBlock { Bits: not null } image:
                    // Font A is 12 dots wide, so an image takes dots/12 character columns, as on paper.
                    sb.Append(CultureInfo.InvariantCulture, $"<div class=\"raster\" style=\"text-align:{Css(image.Alignment)}\"><img alt=\"raster image {image.WidthDots}x{image.HeightDots} dots\" width=\"{image.WidthDots}\" height=\"{image.HeightDots}\" style=\"width:{image.WidthDots / 12.0:0.##}ch;height:auto\" src=\"data:image/png;base64,{Convert.ToBase64String(image.ToPng()!)}\"></div>\n");
                    break;
                case ImageBlock image:
                    sb.Append(CultureInfo.InvariantCulture, $"<div class=\"line\" style=\"text-align:{Css(image.Alignment)}\"><span class=\"img\">image {image.WidthDots}x{image.HeightDots}</span></div>\n");
                    break;
                case NoticeBlock notice:
                    sb.Append("<div class=\"notice\">").Append(WebUtility.HtmlEncode(notice.Message)).Append("</div>\n");
                    break;
            }
        }

        sb.Append("</div></body></html>\n");
        return sb.ToString();
    }

    private static void AppendLine(StringBuilder sb, TextLineBlock line)
    {
        var height = line.Runs.Count == 0 ? 1 : line.Runs.Max(r => r.Style.Height);
        sb.Append(CultureInfo.InvariantCulture, $"<div class=\"line\" style=\"text-align:{Css(line.Alignment)};min-height:{1.2 * height}em\">");
        if (line.Runs.Count == 0)
        {
            sb.Append(' ');
        }

        foreach (var run in line.Runs)
        {
            var s = run.Style;
            var classes = new List<string>();
            if (s.Bold)
            {
                classes.Add("b");
            }

            if (s.Underline)
            {
                classes.Add("u");
            }

            if (s.Reverse)
            {
                classes.Add("r");
            }

            if (s.FontB)
            {
                classes.Add("fb");
            }

            sb.Append("<span");
            if (classes.Count > 0)
            {
                sb.Append(" class=\"").Append(string.Join(' ', classes)).Append('"');
            }

            if (s.Width != 1 || s.Height != 1)
            {
                // Height sets the font size; a width that differs stretches the glyphs sideways.
                sb.Append(CultureInfo.InvariantCulture, $" style=\"font-size:{s.Height}em");
                if (s.Width != s.Height)
                {
                    sb.Append(CultureInfo.InvariantCulture, $";display:inline-block;transform:scaleX({(double)s.Width / s.Height:0.###});transform-origin:left");
                }

                sb.Append('"');
            }

            sb.Append('>').Append(WebUtility.HtmlEncode(run.Text)).Append("</span>");
        }

        sb.Append("</div>\n");
    }

    private static void AppendBarcode(StringBuilder sb, BarcodeBlock barcode)
    {
        sb.Append(CultureInfo.InvariantCulture, $"<div class=\"code\" style=\"text-align:{Css(barcode.Alignment)}\" data-symbology=\"{barcode.Symbology}\" data-code=\"{WebUtility.HtmlEncode(barcode.Data)}\">");
        var hri = $"<div class=\"hri\">{WebUtility.HtmlEncode(barcode.Hri)}</div>";
        if (barcode.HriPosition is HriPosition.Above or HriPosition.Both)
        {
            sb.Append(hri);
        }

        if (barcode.Modules is { } modules)
        {
            const int quiet = 10;
            var module = Math.Clamp(barcode.ModuleWidth, 1, 6);
            var width = (modules.Length + (2 * quiet)) * module;
            var height = Math.Clamp(barcode.HeightDots / 2, 20, 128);
            sb.Append(CultureInfo.InvariantCulture, $"<svg xmlns=\"http://www.w3.org/2000/svg\" width=\"{width}\" height=\"{height}\" viewBox=\"0 0 {width} {height}\" role=\"img\" aria-label=\"{barcode.Symbology.DisplayName()} {WebUtility.HtmlEncode(barcode.Data)}\"><rect width=\"100%\" height=\"100%\" fill=\"#fff\"/>");
            var i = 0;
            while (i < modules.Length)
            {
                if (!modules[i])
                {
                    i++;
                    continue;
                }

                var start = i;
                while (i < modules.Length && modules[i])
                {
                    i++;
                }

                sb.Append(CultureInfo.InvariantCulture, $"<rect x=\"{(quiet + start) * module}\" y=\"0\" width=\"{(i - start) * module}\" height=\"{height}\"/>");
            }

            sb.Append("</svg>");
        }
        else
        {
            sb.Append(CultureInfo.InvariantCulture, $"<span class=\"img\">{barcode.Symbology.DisplayName()} (not drawn)</span>");
        }

        if (barcode.HriPosition is HriPosition.Below or HriPosition.Both || barcode.Modules is null)
        {
            sb.Append(hri);
        }

        sb.Append("</div>\n");
    }

    private static void AppendQr(StringBuilder sb, QrBlock qr)
    {
        var level = qr.ErrorCorrection switch
        {
            'M' => QRCodeGenerator.ECCLevel.M,
            'Q' => QRCodeGenerator.ECCLevel.Q,
            'H' => QRCodeGenerator.ECCLevel.H,
            _ => QRCodeGenerator.ECCLevel.L,
        };
        sb.Append(CultureInfo.InvariantCulture, $"<div class=\"code\" style=\"text-align:{Css(qr.Alignment)}\" data-symbology=\"Qr\" data-code=\"{WebUtility.HtmlEncode(qr.Data)}\">");
        try
        {
            using var generator = new QRCodeGenerator();
            using var data = generator.CreateQrCode(qr.Data, level);
            using var svg = new SvgQRCode(data);
            var graphic = svg.GetGraphic(Math.Clamp(qr.ModuleSize, 1, 16));
            var start = graphic.IndexOf("<svg", StringComparison.Ordinal);
            sb.Append(start >= 0 ? graphic[start..] : graphic);
        }
        catch (Exception ex) when (ex is QRCoder.Exceptions.DataTooLongException or ArgumentException)
        {
            sb.Append("<span class=\"img\">QR code too long to draw</span>");
        }

        sb.Append("</div>\n");
    }

    private static string Css(Alignment alignment) => alignment switch
    {
        Alignment.Center => "center",
        Alignment.Right => "right",
        _ => "left",
    };

    /// <summary>The codes printed on the document, for <see cref="Receipt.Codes"/>.</summary>
    public static IReadOnlyList<PrintedCode> Codes(ReceiptDocument document) =>
        document.Blocks.Select(b => b switch
        {
            BarcodeBlock barcode => new PrintedCode(barcode.Symbology, barcode.Data),
            QrBlock qr => new PrintedCode(Symbology.Qr, qr.Data),
            _ => null,
        }).OfType<PrintedCode>().ToList();
}
