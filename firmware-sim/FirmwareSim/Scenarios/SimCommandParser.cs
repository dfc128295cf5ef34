using System.Globalization;
using System.Text;

namespace FirmwareSim.Scenarios;

/// <summary>A line that is not a valid command; the message names the line and the problem.</summary>
public sealed class SimCommandException(string message) : Exception(message);

/// <summary>
/// Parses the simulator's command language (prompt and scenario files). Words are separated by
/// spaces; "double quotes" keep spaces in one word; # starts a comment.
/// </summary>
public static class SimCommandParser
{
    /// <summary>How long an expect waits unless it says "within": 10 seconds.</summary>
    public static readonly TimeSpan DefaultExpectTimeout = TimeSpan.FromSeconds(10);

    /// <summary>The command summary shown by "help" and in the docs.</summary>
    public const string Help = """
        Commands (the same in scenario files; # starts a comment):
          CODE | scan CODE [SYMBOLOGY]      scan a code (typing just the code scans it)
          partial CODE BYTES [SYMBOLOGY]    send only the first BYTES bytes of a scan (a cut-off frame)
          garbage scanner|printer [COUNT]   send COUNT random bytes to the host (default 16)
          raw scanner|printer HEX           send exact bytes, e.g. raw printer 1b40
          near-end on|off                   printer paper near end
          paper-out on|off                  printer paper out now / paper loaded
          paper-out after BYTES             paper runs out after BYTES more printed bytes (mid-receipt)
          cover open|closed                 printer cover
          offline on|off                    printer offline
          drawer close                      close the cash drawer (a kick opens it)
          unplug scanner|printer|all        the device path disappears
          replug scanner|printer|all        the device path comes back
          slow scanner|printer|all FACTOR   line runs FACTOR times slower; "slow printer off" restores
          stall scanner|printer|all         nothing moves on the line
          resume scanner|printer|all        the line moves again
          wait DURATION                     pause, e.g. wait 500ms, wait 2s, wait 1m
          expect receipt [N] contains "TEXT" [within DURATION]
          expect status ready|near-end|paper-out|cover-open|offline [within DURATION]
          status                            devices, paths, printer sensors
          receipts [N]                      the last N receipts (default 10)
          show N                            print receipt N as text
          diag                              recent unknown or malformed ESC/POS commands
          help                              this text
          quit                              stop the simulator (or press Ctrl+C)
        Symbologies: ean13, ean8, upca, code128, gs1-128, code39, itf, qr, datamatrix, gs1-datamatrix.
        """;

    private static readonly HashSet<string> Keywords =
    [
        "scan", "partial", "garbage", "raw", "near-end", "paper-out", "cover", "offline", "drawer", "unplug", "replug",
        "slow", "stall", "resume", "wait", "expect", "status", "receipts", "show", "diag", "help", "quit", "exit",
    ];

    /// <summary>Parses a scenario file's text: one command per line; errors name the line.</summary>
    public static IReadOnlyList<SimCommand> ParseScenario(string text)
    {
        var commands = new List<SimCommand>();
        var errors = new List<string>();
        var lines = text.Split('\n');
        for (var i = 0; i < lines.Length; i++)
        {
            try
            {
                if (Parse(lines[i], i + 1, bareCodeScans: false) is { } command)
                {
                    if (command is InfoCommand { Name: "quit" })
                    {
                        throw new SimCommandException($"line {i + 1}: 'quit' is for the prompt; a scenario ends at its last line");
                    }

                    commands.Add(command);
                }
            }
            catch (SimCommandException ex)
            {
                errors.Add(ex.Message);
            }
        }

        if (errors.Count > 0)
        {
            throw new SimCommandException(string.Join(Environment.NewLine, errors));
        }

        return commands;
    }

    /// <summary>Parses one line; null for a blank line or a comment.</summary>
    /// <param name="line">The text.</param>
    /// <param name="lineNumber">For error messages (0: typed at the prompt).</param>
    /// <param name="bareCodeScans">At the prompt a line that is not a command is a code to scan.</param>
    public static SimCommand? Parse(string line, int lineNumber = 0, bool bareCodeScans = true)
    {
        var words = Split(line, lineNumber);
        if (words.Count == 0)
        {
            return null;
        }

        var where = lineNumber > 0 ? $"line {lineNumber}: " : string.Empty;
        var verb = words[0].ToLowerInvariant();
        if (!Keywords.Contains(verb))
        {
            if (bareCodeScans && words.Count == 1)
            {
                return new ScanCommand(words[0], null) { Line = lineNumber };
            }

            throw new SimCommandException($"{where}unknown command '{words[0]}' (type help for the list)");
        }

        var reader = new Words(words, where, verb);
        SimCommand command = verb switch
        {
            "scan" => new ScanCommand(reader.Next("a code"), reader.OptionalSymbology()),
            "partial" => new PartialScanCommand(reader.Next("a code"), reader.Int("a byte count", 1, 4096), reader.OptionalSymbology()),
            "garbage" => new RawBytesCommand(reader.Device(allowAll: false), null, reader.OptionalInt(16, 1, 65536)),
            "raw" => new RawBytesCommand(reader.Device(allowAll: false), reader.Hex(), 0),
            "near-end" => new SetFaultCommand(StatusCondition.NearEnd, reader.OnOff("on", "off")),
            "paper-out" => PaperOut(reader),
            "cover" => new SetFaultCommand(StatusCondition.CoverOpen, reader.OnOff("open", "closed", "close")),
            "offline" => new SetFaultCommand(StatusCondition.Offline, reader.OnOff("on", "off")),
            "drawer" => reader.Literal("close") ? new CloseDrawerCommand() : throw reader.Error("expected 'drawer close'"),
            "unplug" => new PlugCommand(reader.Device(allowAll: true), false),
            "replug" => new PlugCommand(reader.Device(allowAll: true), true),
            "slow" => Slow(reader),
            "stall" => new LineCommand(reader.Device(allowAll: true), null, true),
            "resume" => new LineCommand(reader.Device(allowAll: true), null, false),
            "wait" => new WaitCommand(reader.Duration()),
            "expect" => Expect(reader),
            "receipts" => new InfoCommand("receipts", reader.OptionalInt(10, 1, 1000)),
            "show" => new InfoCommand("show", reader.Int("a receipt number", 1, int.MaxValue)),
            "exit" => new InfoCommand("quit", null),
            _ => new InfoCommand(verb, null),
        };
        reader.End();
        return command with { Line = lineNumber };
    }

    /// <summary>Parses 500ms, 2s, 1.5s, 1m.</summary>
    public static bool TryParseDuration(string text, out TimeSpan duration)
    {
        duration = default;
        var (number, scale) = text.EndsWith("ms", StringComparison.OrdinalIgnoreCase) ? (text[..^2], 1.0)
            : text.EndsWith('s') ? (text[..^1], 1000.0)
            : text.EndsWith('m') ? (text[..^1], 60000.0)
            : (string.Empty, 0.0);
        if (scale == 0 || !double.TryParse(number, NumberStyles.Float, CultureInfo.InvariantCulture, out var value) || value < 0 || value > 86_400_000 / scale)
        {
            return false;
        }

        duration = TimeSpan.FromMilliseconds(value * scale);
        return true;
    }

    private static SimCommand PaperOut(Words reader)
    {
        if (reader.Literal("after"))
        {
            return new PaperOutAfterCommand(reader.Int("a byte count", 0, int.MaxValue));
        }

        return new SetFaultCommand(StatusCondition.PaperOut, reader.OnOff("on", "off"));
    }

    private static SimCommand Slow(Words reader)
    {
        var device = reader.Device(allowAll: true);
        var factor = reader.Next("a factor (e.g. 10) or off");
        if (factor.Equals("off", StringComparison.OrdinalIgnoreCase))
        {
            return new LineCommand(device, 1.0, null);
        }

        if (!double.TryParse(factor.TrimEnd('x'), NumberStyles.Float, CultureInfo.InvariantCulture, out var value) || value < 1 || value > 10000)
        {
            throw reader.Error($"slow factor must be a number from 1 to 10000 or off, got '{factor}'");
        }

        return new LineCommand(device, value, null);
    }

    private static SimCommand Expect(Words reader)
    {
        var what = reader.Next("receipt or status").ToLowerInvariant();
        if (what == "receipt")
        {
            int? number = null;
            if (!reader.Literal("contains"))
            {
                number = reader.Int("a receipt number or contains", 1, int.MaxValue);
                if (!reader.Literal("contains"))
                {
                    throw reader.Error("expected: expect receipt [N] contains \"TEXT\" [within DURATION]");
                }
            }

            var text = reader.Next("the text to look for");
            return new ExpectReceiptCommand(number, text, reader.Within());
        }

        if (what == "status")
        {
            var word = reader.Next("a status").ToLowerInvariant();
            var condition = word switch
            {
                "ready" => StatusCondition.Ready,
                "near-end" => StatusCondition.NearEnd,
                "paper-out" => StatusCondition.PaperOut,
                "cover-open" => StatusCondition.CoverOpen,
                "offline" => StatusCondition.Offline,
                _ => throw reader.Error($"status must be ready, near-end, paper-out, cover-open or offline, got '{word}'"),
            };
            return new ExpectStatusCommand(condition, reader.Within());
        }

        throw reader.Error($"expect what? 'receipt' or 'status', got '{what}'");
    }

    private static List<string> Split(string line, int lineNumber)
    {
        var words = new List<string>();
        var current = new StringBuilder();
        var inQuotes = false;
        var hasWord = false;
        foreach (var c in line.TrimEnd('\r'))
        {
            if (inQuotes)
            {
                if (c == '"')
                {
                    inQuotes = false;
                }
                else
                {
                    current.Append(c);
                }

                continue;
            }

            if (c == '#')
            {
                break;
            }

            if (c == '"')
            {
                inQuotes = true;
                hasWord = true;
            }
            else if (char.IsWhiteSpace(c))
            {
                if (hasWord)
                {
                    words.Add(current.ToString());
                    current.Clear();
                    hasWord = false;
                }
            }
            else
            {
                current.Append(c);
                hasWord = true;
            }
        }

        if (inQuotes)
        {
            throw new SimCommandException($"{(lineNumber > 0 ? $"line {lineNumber}: " : string.Empty)}unterminated \"quote\"");
        }

        if (hasWord)
        {
            words.Add(current.ToString());
        }

        return words;
    }

    private sealed class Words(List<string> words, string where, string verb)
    {
        private int _next = 1;

        public SimCommandException Error(string message) => new($"{where}{verb}: {message}");

        public string Next(string what) =>
            _next < words.Count ? words[_next++] : throw Error($"missing {what}");

        public bool Literal(params string[] accepted)
        {
            if (_next < words.Count && accepted.Contains(words[_next], StringComparer.OrdinalIgnoreCase))
            {
                _next++;
                return true;
            }

            return false;
        }

        public bool OnOff(string on, params string[] off)
        {
            var word = Next($"{on} or {off[0]}");
            if (word.Equals(on, StringComparison.OrdinalIgnoreCase))
            {
                return true;
            }

            if (off.Contains(word, StringComparer.OrdinalIgnoreCase))
            {
                return false;
            }

            throw Error($"expected {on} or {off[0]}, got '{word}'");
        }

        public int Int(string what, int min, int max)
        {
            var word = Next(what);
            if (!int.TryParse(word, NumberStyles.None, CultureInfo.InvariantCulture, out var value) || value < min || value > max)
            {
                throw Error($"{what} must be a whole number from {min} to {max}, got '{word}'");
            }

            return value;
        }

        public int OptionalInt(int fallback, int min, int max) => _next < words.Count ? Int("a number", min, max) : fallback;

        public Symbology? OptionalSymbology()
        {
            if (_next >= words.Count)
            {
                return null;
            }

            var word = words[_next++];
            return SymbologyExtensions.TryParse(word, out var symbology)
                ? symbology
                : throw Error($"unknown symbology '{word}'; use {SymbologyExtensions.Names}");
        }

        public DeviceTarget Device(bool allowAll)
        {
            var word = Next(allowAll ? "scanner, printer or all" : "scanner or printer").ToLowerInvariant();
            return word switch
            {
                "scanner" => DeviceTarget.Scanner,
                "printer" => DeviceTarget.Printer,
                "all" when allowAll => DeviceTarget.All,
                _ => throw Error($"expected {(allowAll ? "scanner, printer or all" : "scanner or printer")}, got '{word}'"),
            };
        }

        public byte[] Hex()
        {
            var word = Next("hex bytes, e.g. 1b40");
            try
            {
                return Convert.FromHexString(word.Replace(":", string.Empty, StringComparison.Ordinal));
            }
            catch (FormatException)
            {
                throw Error($"'{word}' is not hex bytes (two hex digits per byte, e.g. 1b40)");
            }
        }

        public TimeSpan Duration()
        {
            var word = Next("a duration such as 500ms, 2s or 1m");
            return TryParseDuration(word, out var duration)
                ? duration
                : throw Error($"'{word}' is not a duration; use e.g. 500ms, 2s or 1m");
        }

        public TimeSpan Within() => Literal("within") ? Duration() : DefaultExpectTimeout;

        public void End()
        {
            if (_next < words.Count)
            {
                throw Error($"unexpected '{words[_next]}' at the end");
            }
        }
    }
}
