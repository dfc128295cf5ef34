using PosAgent.Rules;

namespace PosAgent.Rules.Tests;

/// <summary>Loads the real program files copied next to the tests, once each.</summary>
internal static class ProgramFiles
{
    private static readonly Dictionary<string, LoyaltyProgram> Cache = [];
    private static readonly Lock Gate = new();

    public static string Directory => Path.Combine(AppContext.BaseDirectory, "programs");

    public static LoyaltyProgram Get(string file)
    {
        lock (Gate)
        {
            if (!Cache.TryGetValue(file, out var p))
            {
                p = LoyaltyProgram.Load(Path.Combine(Directory, file + ".json"));
                Cache[file] = p;
            }

            return p;
        }
    }

    public static LoyaltyEngine Engine(string file) => new(Get(file));

    /// <summary>A valid card number of the program: its first prefix, zeros, and the check digit.</summary>
    public static string Card(LoyaltyProgram program, int serial = 1)
    {
        var prefix = program.Card.Prefixes.Count > 0 ? program.Card.Prefixes[0] : string.Empty;
        var digits = serial.ToString(System.Globalization.CultureInfo.InvariantCulture);
        var body = prefix + digits.PadLeft(program.Card.Length - 1 - prefix.Length, '0');
        return body + program.Card.ComputeCheckDigit(body);
    }
}
