using System.Diagnostics;
using System.Reflection;
using System.Text;
using PosAgent.TestSupport;

namespace PosAgent.Rpc.Tests.Interop;

/// <summary>Where the interop peers and protos are, and how to run them as processes with bounded waits.</summary>
public static class Peers
{
    public const string Python = "/usr/bin/python3";

    public static string RepoRoot { get; } = typeof(Peers).Assembly.GetCustomAttributes<AssemblyMetadataAttribute>().Single(a => a.Key == "RepoRoot").Value!;

    public static string InteropDirectory => Path.Combine(RepoRoot, "tests", "interop");

    public static string ProtosDirectory => Path.Combine(RepoRoot, "protos");

    /// <summary>Runs a program to its end within <paramref name="timeout"/> (killed after), returning exit code and output.</summary>
    public static async Task<(int ExitCode, string Output)> RunAsync(string fileName, IEnumerable<string> arguments, TimeSpan timeout, string? workingDirectory = null)
    {
        using var process = Start(fileName, arguments, workingDirectory, redirectInput: false);
        var output = new StringBuilder();
        var stdout = process.StandardOutput.ReadToEndAsync();
        var stderr = process.StandardError.ReadToEndAsync();
        try
        {
            await process.WaitForExitAsync().WithTimeout(timeout);
        }
        catch (TimeoutException)
        {
            process.Kill(entireProcessTree: true);
            throw new TimeoutException($"{fileName} {string.Join(' ', arguments)} did not finish within {timeout}.");
        }

        output.Append(await stdout).Append(await stderr);
        return (process.ExitCode, output.ToString());
    }

    public static Process Start(string fileName, IEnumerable<string> arguments, string? workingDirectory, bool redirectInput)
    {
        var info = new ProcessStartInfo(fileName)
        {
            RedirectStandardOutput = true,
            RedirectStandardError = true,
            RedirectStandardInput = redirectInput,
            UseShellExecute = false,
            WorkingDirectory = workingDirectory ?? InteropDirectory,
        };
        foreach (var argument in arguments)
        {
            info.ArgumentList.Add(argument);
        }

        // Keep the peers off any proxy the environment names: everything here is loopback.
        info.Environment.Remove("http_proxy");
        info.Environment.Remove("https_proxy");
        info.Environment.Remove("HTTP_PROXY");
        info.Environment.Remove("HTTPS_PROXY");
        info.Environment.Remove("grpc_proxy");
        return Process.Start(info) ?? throw new InvalidOperationException($"Could not start {fileName}.");
    }

    /// <summary>
    /// Generates python stubs for the grpc protos with Debian's protoc and grpc_python_plugin. The protos are
    /// copied under new package folders (pa_testing, pa_health, pa_reflection) because a python package
    /// named "grpc" would hide grpcio itself; the proto packages (grpc.testing, ...) stay as they are.
    /// </summary>
    public static async Task GeneratePythonStubsAsync(string directory)
    {
        var folders = new Dictionary<string, string>
        {
            ["grpc/testing"] = "pa_testing",
            ["grpc/health/v1"] = "pa_health",
            ["grpc/reflection/v1alpha"] = "pa_reflection",
        };
        var files = new List<string>();
        foreach (var (source, target) in folders)
        {
            Directory.CreateDirectory(Path.Combine(directory, target));
            foreach (var proto in Directory.GetFiles(Path.Combine(ProtosDirectory, source), "*.proto"))
            {
                var text = await File.ReadAllTextAsync(proto);
                foreach (var (from, to) in folders)
                {
                    text = text.Replace($"import \"{from}/", $"import \"{to}/", StringComparison.Ordinal);
                }

                var relative = Path.Combine(target, Path.GetFileName(proto));
                await File.WriteAllTextAsync(Path.Combine(directory, relative), text);
                files.Add(relative);
            }
        }

        var (exitCode, output) = await RunAsync(
            "/usr/bin/protoc",
            ["-I", directory, "--python_out", directory, "--grpc_python_out", directory, "--plugin=protoc-gen-grpc_python=/usr/bin/grpc_python_plugin", .. files],
            TimeSpan.FromSeconds(60),
            directory);
        if (exitCode != 0)
        {
            throw new InvalidOperationException($"protoc failed ({exitCode}): {output}");
        }
    }

    /// <summary>Parses "PASS name" / "FAIL name: reason" lines.</summary>
    public static Dictionary<string, string> ParseResults(string output)
    {
        var results = new Dictionary<string, string>(StringComparer.Ordinal);
        foreach (var line in output.Split('\n'))
        {
            if (line.StartsWith("PASS ", StringComparison.Ordinal))
            {
                results[line[5..].Trim()] = "PASS";
            }
            else if (line.StartsWith("FAIL ", StringComparison.Ordinal))
            {
                var colon = line.IndexOf(':', StringComparison.Ordinal);
                results[line[5..colon]] = line.Trim();
            }
        }

        return results;
    }
}
