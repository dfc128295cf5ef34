using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.Configuration.CommandLine;
using Microsoft.Extensions.Configuration.EnvironmentVariables;
using Microsoft.Extensions.Configuration.Json;
using Microsoft.Extensions.FileProviders;

namespace PosAgent.Hosting;

/// <summary>
/// The configuration sources of a program, in the order they override each other (later wins):
/// the JSON file, <c>POSAGENT_</c>-prefixed environment variables (<c>__</c> for a section, e.g.
/// <c>POSAGENT_Sync__BatchSize</c>), the older environment variables the program always read, and
/// the command line (its documented flags through switch mappings, or any setting as
/// <c>--Sync:BatchSize=50</c>).
/// </summary>
public sealed class ProgramConfigurationSpec
{
    /// <summary>The JSON file, or null for none. It must exist when given.</summary>
    public string? JsonFile { get; init; }

    /// <summary>Prefix of the environment variables read, e.g. "POSAGENT_".</summary>
    public required string EnvironmentPrefix { get; init; }

    /// <summary>Environment variables read under their own names (variable → setting), e.g. POSAGENT_CENTRAL_TOKEN → CentralToken. Empty values are ignored.</summary>
    public IReadOnlyDictionary<string, string> LegacyEnvironment { get; init; } = new Dictionary<string, string>();

    /// <summary>The program's arguments (a subcommand name among them is ignored).</summary>
    public IReadOnlyList<string> Args { get; init; } = [];

    /// <summary>Documented flags → setting, e.g. "--terminal-id" → "TerminalId".</summary>
    public IReadOnlyDictionary<string, string> SwitchMappings { get; init; } = new Dictionary<string, string>();

    /// <summary>Flags that take no value (their presence means true), e.g. "--allow-insecure".</summary>
    public IReadOnlyCollection<string> BooleanSwitches { get; init; } = [];

    /// <summary>Flags that take no value and turn a setting off (their presence means false), e.g. "--no-metrics".</summary>
    public IReadOnlyCollection<string> NegatedSwitches { get; init; } = [];

    /// <summary>Repeatable flags → list setting, e.g. "--url" → "Urls" (each occurrence one more element).</summary>
    public IReadOnlyDictionary<string, string> ListSwitches { get; init; } = new Dictionary<string, string>();

    /// <summary>
    /// The top-level settings any of which may also be given as <c>--Name=value</c> or
    /// <c>--Section:Name=value</c>. Every other argument (a subcommand, its own flags and their
    /// values) is not configuration and is left out.
    /// </summary>
    public IReadOnlyCollection<string> SettingNames { get; init; } = [];
}

/// <summary>One setting as resolved: its value and the source that gave it.</summary>
public sealed record ConfigurationValueSource(string Key, string? Value, string Source);

public static class ProgramConfiguration
{
    /// <summary>Builds the configuration; throws <see cref="IOException"/> or <see cref="InvalidDataException"/>/<see cref="FormatException"/> for a missing or malformed file.</summary>
    public static IConfigurationRoot Build(ProgramConfigurationSpec spec)
    {
        ArgumentNullException.ThrowIfNull(spec);
        var builder = new ConfigurationBuilder();
        if (spec.JsonFile is { } file)
        {
            var full = Path.GetFullPath(file);
            if (!File.Exists(full))
            {
                throw new FileNotFoundException($"The configuration file '{full}' does not exist", full);
            }

            builder.AddJsonFile(new PhysicalFileProvider(Path.GetDirectoryName(full)!), Path.GetFileName(full), optional: false, reloadOnChange: false);
        }

        builder.AddEnvironmentVariables(spec.EnvironmentPrefix);
        if (spec.LegacyEnvironment.Count > 0)
        {
            builder.Add(new NamedEnvironmentSource(spec.LegacyEnvironment));
        }

        builder.AddCommandLine([.. Normalize(spec)], spec.SwitchMappings.ToDictionary(StringComparer.OrdinalIgnoreCase));
        return builder.Build();
    }

    /// <summary>
    /// Each setting given by any source, with the source that won, for the settings <paramref name="include"/> accepts
    /// (by top-level key). <paramref name="mask"/> turns a secret's value into what may be shown.
    /// </summary>
    public static IReadOnlyList<ConfigurationValueSource> Sources(IConfigurationRoot root, Func<string, bool> include, Func<string, string?, string?>? mask = null)
    {
        ArgumentNullException.ThrowIfNull(root);
        ArgumentNullException.ThrowIfNull(include);
        var result = new List<ConfigurationValueSource>();
        foreach (var (key, value) in root.AsEnumerable().OrderBy(p => p.Key, StringComparer.OrdinalIgnoreCase))
        {
            if (value is null || !include(key.Split(':')[0]))
            {
                continue;
            }

            var provider = root.Providers.Reverse().First(p => p.TryGet(key, out _));
            result.Add(new ConfigurationValueSource(key, mask is null ? value : mask(key, value), Describe(provider, key)));
        }

        return result;
    }

    /// <summary>Where a value came from, as an operator would look for it: the file's path, the variable's name, the command line.</summary>
    public static string Describe(IConfigurationProvider provider, string key)
    {
        ArgumentNullException.ThrowIfNull(provider);
        return provider switch
        {
            JsonConfigurationProvider json when json.Source.FileProvider is PhysicalFileProvider files => "file " + Path.Combine(files.Root, json.Source.Path ?? string.Empty),
            EnvironmentVariablesConfigurationProvider env => "environment variable " + EnvironmentPrefixOf(env) + key.Replace(":", "__", StringComparison.Ordinal),
            NamedEnvironmentProvider named => "environment variable " + named.VariableFor(key),
            CommandLineConfigurationProvider => "command line",
            _ => provider.ToString() ?? provider.GetType().Name,
        };
    }

    private static string EnvironmentPrefixOf(EnvironmentVariablesConfigurationProvider provider)
    {
        // ToString is "EnvironmentVariablesConfigurationProvider Prefix: 'POSAGENT_'".
        var text = provider.ToString();
        var start = text.IndexOf('\'', StringComparison.Ordinal);
        var end = text.LastIndexOf('\'');
        return start >= 0 && end > start ? text[(start + 1)..end] : string.Empty;
    }

    /// <summary>
    /// The arguments that are configuration: mapped flags with their value (value-less flags become
    /// flag=true, repeatable flags indexed settings) and <c>--Setting=value</c>; nothing else.
    /// </summary>
    private static List<string> Normalize(ProgramConfigurationSpec spec)
    {
        var result = new List<string>();
        var counts = new Dictionary<string, int>(StringComparer.OrdinalIgnoreCase);
        for (var i = 0; i < spec.Args.Count; i++)
        {
            var arg = spec.Args[i];
            var name = arg.Split('=', 2)[0];
            if (spec.BooleanSwitches.Contains(arg, StringComparer.OrdinalIgnoreCase))
            {
                result.Add(arg + "=true");
            }
            else if (spec.NegatedSwitches.Contains(arg, StringComparer.OrdinalIgnoreCase))
            {
                result.Add(arg + "=false");
            }
            else if (spec.SwitchMappings.ContainsKey(name))
            {
                if (arg.Contains('=', StringComparison.Ordinal))
                {
                    result.Add(arg);
                }
                else if (i + 1 < spec.Args.Count)
                {
                    result.Add(arg + "=" + spec.Args[++i]);
                }
            }
            else if (!spec.ListSwitches.ContainsKey(name))
            {
                if (arg.StartsWith("--", StringComparison.Ordinal) && arg.Contains('=', StringComparison.Ordinal)
                    && spec.SettingNames.Contains(name[2..].Split(':')[0], StringComparer.OrdinalIgnoreCase))
                {
                    result.Add(arg);
                }
            }
            else if (spec.ListSwitches.TryGetValue(name, out var list))
            {
                var values = new List<string>();
                if (arg.Contains('=', StringComparison.Ordinal))
                {
                    values.Add(arg.Split('=', 2)[1]);
                }
                else
                {
                    while (i + 1 < spec.Args.Count && !spec.Args[i + 1].StartsWith('-'))
                    {
                        values.Add(spec.Args[++i]);
                    }
                }

                foreach (var value in values)
                {
                    var index = counts.GetValueOrDefault(list);
                    counts[list] = index + 1;
                    result.Add($"--{list}:{index}={value}");
                }
            }
        }

        return result;
    }

    private sealed class NamedEnvironmentSource(IReadOnlyDictionary<string, string> variables) : IConfigurationSource
    {
        public IConfigurationProvider Build(IConfigurationBuilder builder) => new NamedEnvironmentProvider(variables);
    }

    /// <summary>Environment variables the programs read before the prefix convention, under their own names.</summary>
    private sealed class NamedEnvironmentProvider(IReadOnlyDictionary<string, string> variables) : ConfigurationProvider
    {
        public override void Load()
        {
            foreach (var (variable, key) in variables)
            {
                if (Environment.GetEnvironmentVariable(variable) is { } value && !string.IsNullOrWhiteSpace(value))
                {
                    Data[key] = value;
                }
            }
        }

        public string VariableFor(string key) =>
            variables.FirstOrDefault(v => string.Equals(v.Value, key, StringComparison.OrdinalIgnoreCase)).Key ?? key;

        public override string ToString() => "environment variables " + string.Join(", ", variables.Keys);
    }
}
