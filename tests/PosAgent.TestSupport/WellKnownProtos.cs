using System.Reflection;

namespace PosAgent.TestSupport;

/// <summary>
/// The folder holding google/protobuf/*.proto (timestamp, empty, ...), taken from the Grpc.Tools
/// package the build restored. Debian's protobuf-compiler ships protoc without these files (they
/// are in libprotobuf-dev), so every protoc run in the tests passes this folder with -I.
/// </summary>
public static class WellKnownProtos
{
    public static string IncludeDirectory { get; } = Find("WellKnownProtos", "google/protobuf/timestamp.proto", "Grpc.Tools");

    /// <summary>
    /// The folder holding google/api/annotations.proto and http.proto (agent.proto's HTTP/JSON rules
    /// import them), from the Google.Api.CommonProtos package the build restored.
    /// </summary>
    public static string GoogleApiIncludeDirectory { get; } = Find("GoogleApiProtos", "google/api/annotations.proto", "Google.Api.CommonProtos");

    /// <summary>The .proto files of google/api that agent.proto imports, to compile beside it for Python stubs.</summary>
    public static IReadOnlyList<string> GoogleApiFiles { get; } =
        [Path.Combine(GoogleApiIncludeDirectory, "google", "api", "annotations.proto"), Path.Combine(GoogleApiIncludeDirectory, "google", "api", "http.proto")];

    private static string Find(string key, string probe, string package)
    {
        var path = typeof(WellKnownProtos).Assembly.GetCustomAttributes<AssemblyMetadataAttribute>()
            .SingleOrDefault(a => a.Key == key)?.Value;
        if (string.IsNullOrEmpty(path) || !File.Exists(Path.Combine(path, probe)))
        {
            throw new InvalidOperationException(
                $"The .proto files were not found at '{path}': restore {package} (dotnet build restores it).");
        }

        return path;
    }
}
