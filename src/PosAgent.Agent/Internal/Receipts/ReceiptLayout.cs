using System.Text;
using PosAgent.Devices.Printing;

namespace PosAgent.Agent.Internal.Receipts;

/// <summary>One row of a receipt, before it meets a printer (text columns or raster dots).</summary>
internal abstract record ReceiptRow;

/// <summary>A paragraph, wrapped to the width.</summary>
internal sealed record TextRow(string Text, ReceiptAlignment Alignment = ReceiptAlignment.Left, bool Bold = false, bool Large = false) : ReceiptRow;

/// <summary>A label and its value at opposite edges. The value (an amount, an id) is never cut; the label wraps.</summary>
internal sealed record PairRow(string Label, string Value, bool Bold = false) : ReceiptRow;

/// <summary>A full-width rule.</summary>
internal sealed record RuleRow : ReceiptRow;

/// <summary>A receipt as rows, in one language; printed as ESC/POS or written as text.</summary>
internal sealed class ReceiptLayout(string language, IReadOnlyList<ReceiptRow> rows)
{
    public string Language { get; } = language;

    public IReadOnlyList<ReceiptRow> Rows { get; } = rows;

    /// <summary>Plain text of <paramref name="width"/> characters per line (files, the API's answer, logs).</summary>
    public string ToText(int width)
    {
        var text = new StringBuilder();
        foreach (var row in Rows)
        {
            switch (row)
            {
                case TextRow line:
                    foreach (var part in Wrap(line.Text, line.Large ? width / 2 : width))
                    {
                        var pad = line.Alignment switch
                        {
                            ReceiptAlignment.Center => (width - part.Length) / 2,
                            ReceiptAlignment.Right => width - part.Length,
                            _ => 0,
                        };
                        text.Append(' ', Math.Max(0, pad)).Append(part).Append('\n');
                    }

                    break;
                case PairRow pair:
                    AppendPair(text, pair, width);
                    break;
                case RuleRow:
                    text.Append('-', width).Append('\n');
                    break;
            }
        }

        return text.ToString();
    }

    private static void AppendPair(StringBuilder text, PairRow pair, int width)
    {
        if (pair.Label.Length + 1 + pair.Value.Length <= width)
        {
            text.Append(pair.Label).Append(' ', width - pair.Label.Length - pair.Value.Length).Append(pair.Value).Append('\n');
            return;
        }

        // Too long for one line: the label on lines of its own, the value whole (wrapped only when wider than the paper).
        foreach (var part in Wrap(pair.Label, width))
        {
            text.Append(part).Append('\n');
        }

        foreach (var part in Wrap(pair.Value, width))
        {
            text.Append(' ', width - part.Length).Append(part).Append('\n');
        }
    }

    internal static IEnumerable<string> Wrap(string text, int width)
    {
        foreach (var paragraph in text.Split('\n'))
        {
            var rest = paragraph.TrimEnd('\r');
            if (rest.Length == 0)
            {
                yield return string.Empty;
                continue;
            }

            while (rest.Length > width)
            {
                var cut = rest.LastIndexOf(' ', width);
                if (cut <= 0)
                {
                    cut = width;
                }

                yield return rest[..cut].TrimEnd();
                rest = rest[cut..].TrimStart();
            }

            yield return rest;
        }
    }
}
