using System.Globalization;
using System.Text.Json;

namespace PosAgent.TestSupport;

/// <summary>One sample of a Prometheus exposition: its name (with _total, _bucket, ...), labels and value.</summary>
public sealed record PrometheusSample(string Name, IReadOnlyDictionary<string, string> Labels, double Value);

/// <summary>
/// Scrapes a real /metrics endpoint over HTTP/1.1 and parses the text with a parser the project did
/// not write: Debian's python3-prometheus-client (prometheus_client.parser.text_string_to_metric_families),
/// run by /usr/bin/python3 (a pyenv python first on PATH cannot see apt-installed modules).
/// </summary>
public static class PrometheusScrape
{
    private const string Parser = """
        import json, sys
        from prometheus_client.parser import text_string_to_metric_families
        text = open(sys.argv[1], encoding="utf-8").read()
        out = []
        for family in text_string_to_metric_families(text):
            for s in family.samples:
                out.append({"name": s.name, "labels": s.labels, "value": s.value, "type": family.type})
        print(json.dumps(out))
        """;

    /// <summary>GETs the URL (HTTP/1.1, bounded) and returns every sample the parser read.</summary>
    public static async Task<IReadOnlyList<PrometheusSample>> ScrapeAsync(string url)
    {
        using var http = new HttpClient { Timeout = TimeSpan.FromSeconds(30) };
        using var response = await http.GetAsync(new Uri(url)).WithTimeout();
        var text = await response.Content.ReadAsStringAsync().WithTimeout();
        if (!response.IsSuccessStatusCode)
        {
            throw new InvalidOperationException($"GET {url}: {(int)response.StatusCode} {text}");
        }

        return await ParseAsync(text);
    }

    public static async Task<IReadOnlyList<PrometheusSample>> ParseAsync(string exposition)
    {
        var file = Path.Combine(Path.GetTempPath(), "posagent-scrape-" + Guid.NewGuid().ToString("N") + ".txt");
        await File.WriteAllTextAsync(file, exposition);
        try
        {
            var (exit, output, error) = await ForeignProcess.RunAsync("/usr/bin/python3", ["-c", Parser, file], timeout: TimeSpan.FromSeconds(60));
            if (exit != 0)
            {
                throw new InvalidOperationException($"prometheus_client could not parse the exposition (exit {exit}): {error}\n{exposition}");
            }

            using var json = JsonDocument.Parse(output);
            return [.. json.RootElement.EnumerateArray().Select(e => new PrometheusSample(
                e.GetProperty("name").GetString()!,
                e.GetProperty("labels").EnumerateObject().ToDictionary(p => p.Name, p => p.Value.GetString()!, StringComparer.Ordinal),
                e.GetProperty("value").GetDouble()))];
        }
        finally
        {
            File.Delete(file);
        }
    }

    /// <summary>The sum of the samples of this name whose labels include all of <paramref name="labels"/> (0 when none).</summary>
    public static double Sum(this IReadOnlyList<PrometheusSample> samples, string name, params (string Key, string Value)[] labels) =>
        samples.Where(s => s.Name == name && labels.All(l => s.Labels.TryGetValue(l.Key, out var v) && v == l.Value)).Sum(s => s.Value);

    /// <summary>True when a sample of this name exists.</summary>
    public static bool Has(this IReadOnlyList<PrometheusSample> samples, string name) => samples.Any(s => s.Name == name);

    public static string Describe(this IReadOnlyList<PrometheusSample> samples) =>
        string.Join("\n", samples.Select(s => s.Name + "{" + string.Join(",", s.Labels.Select(l => l.Key + "=" + l.Value)) + "} " + s.Value.ToString(CultureInfo.InvariantCulture)));
}
