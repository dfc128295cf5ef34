using System.Text.Json;
using PosAgent.Rules.Internal;

namespace PosAgent.Rules;

/// <summary>
/// A validated, immutable loyalty program loaded from a program file (programs/*.json, schema in
/// docs/programs.md). Loading either succeeds completely or throws <see cref="ProgramFileException"/>.
/// </summary>
public sealed class LoyaltyProgram
{
    private LoyaltyProgram(CompiledProgram compiled, string source)
    {
        Compiled = compiled;
        Source = source;
    }

    /// <summary>Program id, e.g. "CSM".</summary>
    public string Id => Compiled.Id;

    /// <summary>File version; recorded with every result.</summary>
    public string Version => Compiled.Version;

    public string Currency => Compiled.CurrencyCode;

    /// <summary>Minor units per currency unit; one point pays this many minor units.</summary>
    public long MinorUnitsPerUnit => Compiled.PointValueMinor;

    /// <summary>The card number format the scanner driver recognises.</summary>
    public CardNumberFormat Card => Compiled.Card;

    /// <summary>Points a terminal may let one card spend while offline.</summary>
    public long OfflineRedemptionAllowance => Compiled.Definition.OfflineRedemptionAllowance;

    /// <summary>The program's local offset (days, weekdays, birthdays, months).</summary>
    public TimeSpan UtcOffset => Compiled.Offset;

    /// <summary>The file as parsed.</summary>
    public ProgramDefinition Definition => Compiled.Definition;

    /// <summary>Where it was loaded from (file path or the name given).</summary>
    public string Source { get; }

    internal CompiledProgram Compiled { get; }

    public static LoyaltyProgram Load(string path)
    {
        ArgumentException.ThrowIfNullOrEmpty(path);
        try
        {
            using var stream = File.OpenRead(path);
            return Load(stream, path);
        }
        catch (Exception ex) when (ex is IOException or UnauthorizedAccessException)
        {
            throw new ProgramFileException(path, [new ProgramFileError("$", $"cannot read the file: {ex.Message}")]);
        }
    }

    public static LoyaltyProgram Load(Stream stream, string sourceName)
    {
        ArgumentNullException.ThrowIfNull(stream);
        ArgumentException.ThrowIfNullOrEmpty(sourceName);
        using var buffer = new MemoryStream();
        stream.CopyTo(buffer);
        var utf8 = buffer.GetBuffer().AsSpan(0, (int)buffer.Length);
        var limitErrors = ProgramJsonLimits.Check(utf8);
        if (limitErrors.Count > 0)
        {
            throw new ProgramFileException(sourceName, limitErrors);
        }

        ProgramDefinition? definition;
        try
        {
            definition = JsonSerializer.Deserialize(utf8, ProgramJsonContext.Default.ProgramDefinition);
        }
        catch (JsonException ex)
        {
            throw new ProgramFileException(sourceName, [new ProgramFileError(ex.Path ?? "$", Reason(ex))]);
        }

        return FromDefinition(definition ?? throw new ProgramFileException(sourceName, [new ProgramFileError("$", "the file is null")]), sourceName);
    }

    public static LoyaltyProgram Parse(string json, string sourceName)
    {
        ArgumentNullException.ThrowIfNull(json);
        using var stream = new MemoryStream(System.Text.Encoding.UTF8.GetBytes(json));
        return Load(stream, sourceName);
    }

    /// <summary>Validates a definition built in code (tests, tools).</summary>
    public static LoyaltyProgram FromDefinition(ProgramDefinition definition, string sourceName)
    {
        ArgumentNullException.ThrowIfNull(definition);
        return new LoyaltyProgram(ProgramCompiler.Compile(definition, sourceName), sourceName);
    }

    /// <summary>Loads every *.json file of a folder, keyed by program id.</summary>
    public static IReadOnlyDictionary<string, LoyaltyProgram> LoadDirectory(string directory)
    {
        ArgumentException.ThrowIfNullOrEmpty(directory);
        var result = new Dictionary<string, LoyaltyProgram>(StringComparer.Ordinal);
        foreach (var entry in ProgramFolder.Read(directory))
        {
            var file = entry.Path;
            var program = entry.Json is { } json
                ? Parse(json, file)
                : throw new ProgramFileException(file, [new ProgramFileError("$", entry.SkipReason!)]);
            if (!result.TryAdd(program.Id, program))
            {
                throw new ProgramFileException(file, [new ProgramFileError("$.id", $"program id '{program.Id}' is already used by {result[program.Id].Source}")]);
            }
        }

        return result;
    }

    // System.Text.Json's messages already name the path; drop the duplicate "Path: ..." suffix.
    private static string Reason(JsonException ex)
    {
        var message = ex.Message;
        var cut = message.IndexOf(" Path:", StringComparison.Ordinal);
        return cut > 0 ? message[..cut] : message;
    }
}
