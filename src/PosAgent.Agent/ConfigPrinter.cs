using System.Text.Json;
using System.Text.Json.Nodes;

namespace PosAgent.Agent;

/// <summary>
/// The configuration as <c>check-config</c> shows it: everything as resolved, except the central
/// token, which a technician's screen, a support ticket or a pasted log must never carry.
/// </summary>
internal static class ConfigPrinter
{
    public static string Print(AgentOptions options)
    {
        var json = JsonSerializer.SerializeToNode(options)!.AsObject();
        if (options.CentralToken is { Length: > 0 } token)
        {
            json[nameof(AgentOptions.CentralToken)] = Mask(token);
        }

        return json.ToJsonString(new JsonSerializerOptions { WriteIndented = true });
    }

    /// <summary>
    /// Where each setting given by a source came from (the file, an environment variable, the
    /// command line), secrets masked; the settings not listed have their defaults.
    /// </summary>
    public static string PrintSources(Microsoft.Extensions.Configuration.IConfigurationRoot configuration)
    {
        var sources = PosAgent.Hosting.ProgramConfiguration.Sources(
            configuration,
            key => AgentConfiguration.SettingNames.Contains(key, StringComparer.OrdinalIgnoreCase),
            (key, value) => IsSecret(key) && value is { Length: > 0 } ? Mask(value) : value);
        var lines = new System.Text.StringBuilder("Sources (a later one overrides an earlier: file, environment, command line; a setting not listed has its default):");
        if (sources.Count == 0)
        {
            lines.AppendLine().Append("  (none: every setting has its default)");
        }

        foreach (var source in sources)
        {
            lines.AppendLine().Append(System.Globalization.CultureInfo.InvariantCulture, $"  {source.Key} = {source.Value}  <- {source.Source}");
        }

        return lines.ToString();
    }

    private static bool IsSecret(string key) =>
        key.Contains("Token", StringComparison.OrdinalIgnoreCase) || key.Contains("Password", StringComparison.OrdinalIgnoreCase) || key.Contains("Secret", StringComparison.OrdinalIgnoreCase);

    /// <summary>"(set, 32 characters)": enough to tell a missing or truncated token from a good one, nothing of its value.</summary>
    public static string Mask(string token) => $"(set, {token.Length} characters)";
}
