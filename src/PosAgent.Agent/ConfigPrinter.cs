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

    /// <summary>"(set, 32 characters)": enough to tell a missing or truncated token from a good one, nothing of its value.</summary>
    public static string Mask(string token) => $"(set, {token.Length} characters)";
}
