using System.Reflection;
using System.Text;
using System.Text.RegularExpressions;

namespace PosAgent.Rules.Tests;

/// <summary>
/// Keeps docs/rules-coverage.md true: every rule id of the digest (programs.md) has a test whose
/// name cites it, and the document is exactly what the test names say. Regenerate with
/// UPDATE_RULES_COVERAGE=1 dotnet test tests/PosAgent.Rules.Tests.
/// </summary>
public sealed partial class RulesCoverageTests
{
    // Rule counts per program in the digest (../shared/programs.md); checked against the digest itself when it is reachable.
    private static readonly (string Program, int Rules)[] Digest =
        [("INV-RU", 5), ("INV-KZ", 12), ("INV-HP", 7), ("INV-BY", 5), ("CSM", 13), ("STM", 10), ("RT", 8), ("ATI", 5)];

    private static readonly Dictionary<string, string> Prefixes = new(StringComparer.Ordinal)
    {
        ["InvRu"] = "INV-RU", ["InvKz"] = "INV-KZ", ["InvHp"] = "INV-HP", ["InvBy"] = "INV-BY",
        ["Csm"] = "CSM", ["Stm"] = "STM", ["Rt"] = "RT", ["Ati"] = "ATI",
    };

    [GeneratedRegex(@"^(InvRu|InvKz|InvHp|InvBy|Csm|Stm|Rt|Ati)_((?:R\d+)+)_")]
    private static partial Regex TestName();

    [GeneratedRegex(@"\b(INV-RU|INV-KZ|INV-HP|INV-BY|CSM|STM|RT|ATI)\b.*?\n|^- (R\d+) ", RegexOptions.Multiline)]
    private static partial Regex DigestLine();

    [GeneratedRegex(@"R\d+")]
    private static partial Regex RuleNumber();

    private static IEnumerable<string> ExpectedRuleIds() =>
        Digest.SelectMany(d => Enumerable.Range(1, d.Rules).Select(n => $"{d.Program}-R{n}"));

    private static SortedDictionary<string, SortedSet<string>> TestsByRule()
    {
        var map = new SortedDictionary<string, SortedSet<string>>(Comparer<string>.Create(CompareRuleIds));
        foreach (var id in ExpectedRuleIds())
        {
            map[id] = new SortedSet<string>(StringComparer.Ordinal);
        }

        foreach (var type in typeof(RulesCoverageTests).Assembly.GetTypes())
        {
            foreach (var method in type.GetMethods(BindingFlags.Public | BindingFlags.Instance | BindingFlags.DeclaredOnly))
            {
                if (method.GetCustomAttribute<FactAttribute>() is null)
                {
                    continue;
                }

                var m = TestName().Match(method.Name);
                if (!m.Success)
                {
                    continue;
                }

                foreach (Match r in RuleNumber().Matches(m.Groups[2].Value))
                {
                    var id = $"{Prefixes[m.Groups[1].Value]}-{r.Value}";
                    if (!map.TryGetValue(id, out var set))
                    {
                        map[id] = set = new SortedSet<string>(StringComparer.Ordinal);
                    }

                    set.Add($"{type.Name}.{method.Name}");
                }
            }
        }

        return map;
    }

    private static int CompareRuleIds(string a, string b)
    {
        var pa = Array.FindIndex(Digest, d => a.StartsWith(d.Program + "-R", StringComparison.Ordinal));
        var pb = Array.FindIndex(Digest, d => b.StartsWith(d.Program + "-R", StringComparison.Ordinal));
        if (pa != pb)
        {
            return pa.CompareTo(pb);
        }

        static int Number(string id) => int.Parse(id[(id.LastIndexOf('R') + 1)..], System.Globalization.CultureInfo.InvariantCulture);
        return Number(a).CompareTo(Number(b));
    }

    private static string Render(SortedDictionary<string, SortedSet<string>> map)
    {
        var sb = new StringBuilder();
        sb.Append("# Rule coverage\n\n");
        sb.Append("Every rule id of the program digest (`programs.md`) and the tests whose names cite it\n");
        sb.Append("(in `tests/PosAgent.Rules.Tests`). Generated from the test names and checked by\n");
        sb.Append("`RulesCoverageTests`; regenerate with\n");
        sb.Append("`UPDATE_RULES_COVERAGE=1 dotnet test tests/PosAgent.Rules.Tests -c Release`.\n\n");
        sb.Append("| Rule | Tests |\n|---|---|\n");
        foreach (var (id, tests) in map)
        {
            sb.Append("| ").Append(id).Append(" | ").Append(string.Join("<br>", tests.Select(t => $"`{t}`"))).Append(" |\n");
        }

        return sb.ToString();
    }

    private static string? FindUp(string relative)
    {
        for (var dir = new DirectoryInfo(AppContext.BaseDirectory); dir is not null; dir = dir.Parent)
        {
            var candidate = Path.Combine(dir.FullName, relative);
            if (File.Exists(candidate))
            {
                return candidate;
            }
        }

        return null;
    }

    [Fact]
    public void EveryDigestRule_HasATestCitingIt()
    {
        var map = TestsByRule();

        var uncovered = map.Where(p => p.Value.Count == 0).Select(p => p.Key).ToArray();
        var unknown = map.Keys.Except(ExpectedRuleIds()).ToArray();

        Assert.Empty(uncovered);
        Assert.Empty(unknown);
    }

    [Fact]
    public void DigestRuleCounts_MatchProgramsMd_WhenReachable()
    {
        // programs.md lives outside the repository (../shared); on a machine without it this checks nothing more.
        var digest = Environment.GetEnvironmentVariable("POSAGENT_PROGRAMS_DIGEST") ?? FindUp(Path.Combine("shared", "programs.md"));
        if (digest is null)
        {
            Assert.Equal(65, ExpectedRuleIds().Count());
            return;
        }

        var counts = new Dictionary<string, int>(StringComparer.Ordinal);
        string? current = null;
        foreach (var line in File.ReadLines(digest))
        {
            if (line.StartsWith("## ", StringComparison.Ordinal))
            {
                current = Digest.Select(d => d.Program).FirstOrDefault(p => line.Contains(p + ":", StringComparison.Ordinal) || line.Contains(p + " ", StringComparison.Ordinal));
            }
            else if (current is not null && Regex.IsMatch(line, @"^- R\d+ "))
            {
                counts[current] = counts.GetValueOrDefault(current) + 1;
            }
        }

        Assert.Equal(Digest.ToDictionary(d => d.Program, d => d.Rules), counts);
    }

    [Fact]
    public void RulesCoverageDocument_MatchesTestNames()
    {
        var sln = FindUp("PosAgent.sln") ?? throw new InvalidOperationException("repository root not found");
        var path = Path.Combine(Path.GetDirectoryName(sln)!, "docs", "rules-coverage.md");
        var expected = Render(TestsByRule());
        if (Environment.GetEnvironmentVariable("UPDATE_RULES_COVERAGE") == "1")
        {
            File.WriteAllText(path, expected);
        }

        Assert.True(File.Exists(path), $"{path} is missing; regenerate it (see the class comment)");
        Assert.Equal(expected, File.ReadAllText(path).ReplaceLineEndings("\n"));
    }
}
