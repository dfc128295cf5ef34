using System.Buffers;
using System.Globalization;
using System.Text.Json;

namespace PosAgent.Rules.Internal;

/// <summary>
/// Checks a program file's JSON before it is bound to <see cref="ProgramDefinition"/>: no object
/// repeats a key (the binder would silently keep the last one, so two people reading the file
/// could disagree on the rule), and no number is large enough to overflow the ledger's arithmetic
/// once multiplied by a quantity or summed over a year of orders.
/// </summary>
internal static class ProgramJsonLimits
{
    /// <summary>Amounts in minor units (properties named *Minor): 10^13, i.e. 100 billion of a 2-decimal currency.</summary>
    public const long MaxMinorUnits = 10_000_000_000_000;

    /// <summary>Every other number (points, counts, months, percents): 10^9.</summary>
    public const long MaxOtherNumber = 1_000_000_000;

    public static IReadOnlyList<ProgramFileError> Check(ReadOnlySpan<byte> utf8Json)
    {
        var errors = new List<ProgramFileError>();
        var reader = new Utf8JsonReader(utf8Json, new JsonReaderOptions { CommentHandling = JsonCommentHandling.Skip, AllowTrailingCommas = true });
        var scopes = new Stack<Scope>();
        string? property = null;
        try
        {
            while (reader.Read())
            {
                switch (reader.TokenType)
                {
                    case JsonTokenType.StartObject:
                    case JsonTokenType.StartArray:
                        var path = ValuePath(scopes, property);
                        Advance(scopes);
                        scopes.Push(new Scope(path, reader.TokenType == JsonTokenType.StartArray));
                        property = null;
                        break;
                    case JsonTokenType.EndObject:
                    case JsonTokenType.EndArray:
                        scopes.Pop();
                        break;
                    case JsonTokenType.PropertyName:
                        property = reader.GetString()!;
                        if (!scopes.Peek().Keys!.Add(property))
                        {
                            errors.Add(new ProgramFileError(ValuePath(scopes, property), $"the key '{property}' appears twice in this object"));
                        }

                        break;
                    case JsonTokenType.Number:
                        CheckNumber(ref reader, ValuePath(scopes, property), property, scopes, errors);
                        Advance(scopes);
                        property = null;
                        break;
                    default:
                        Advance(scopes);
                        property = null;
                        break;
                }
            }
        }
        catch (JsonException)
        {
            // Malformed JSON is reported by the binder, with its own position.
        }

        return errors;
    }

    private static void CheckNumber(ref Utf8JsonReader reader, string path, string? property, Stack<Scope> scopes, List<ProgramFileError> errors)
    {
        // Inside an array the number belongs to the property that holds the array.
        var name = property ?? scopes.Peek().Name;
        var isMoney = name is not null && name.EndsWith("Minor", StringComparison.Ordinal);
        var limit = isMoney ? MaxMinorUnits : MaxOtherNumber;
        if (!reader.TryGetDecimal(out var value) || Math.Abs(value) > limit)
        {
            var what = isMoney ? "amounts in minor units" : "points and counts";
            errors.Add(new ProgramFileError(path, $"{Shorten(reader)} is out of range: {what} may be at most {limit.ToString("N0", CultureInfo.InvariantCulture)}"));
        }
    }

    private static string Shorten(Utf8JsonReader reader)
    {
        var text = System.Text.Encoding.UTF8.GetString(reader.HasValueSequence ? reader.ValueSequence.ToArray() : reader.ValueSpan);
        return text.Length <= 24 ? text : text[..24] + "…";
    }

    private static string ValuePath(Stack<Scope> scopes, string? property)
    {
        if (scopes.Count == 0)
        {
            return "$";
        }

        var scope = scopes.Peek();
        return scope.IsArray
            ? $"{scope.Path}[{scope.Index.ToString(CultureInfo.InvariantCulture)}]"
            : $"{scope.Path}.{property}";
    }

    private static void Advance(Stack<Scope> scopes)
    {
        if (scopes.Count > 0 && scopes.Peek().IsArray)
        {
            scopes.Peek().Index++;
        }
    }

    private sealed class Scope(string path, bool isArray)
    {
        public string Path { get; } = path;

        public bool IsArray { get; } = isArray;

        public int Index { get; set; }

        /// <summary>The property whose value this scope is: arrays name their numbers by it.</summary>
        public string? Name { get; } = LastName(path);

        public HashSet<string>? Keys { get; } = isArray ? null : new HashSet<string>(StringComparer.Ordinal);

        private static string? LastName(string path)
        {
            var end = path.Length;
            while (end > 0 && path[end - 1] == ']')
            {
                end = path.LastIndexOf('[', end - 1);
            }

            var dot = path.LastIndexOf('.', Math.Max(0, end - 1));
            return dot < 0 ? null : path[(dot + 1)..end];
        }
    }
}
