using System.Reflection;

namespace PosAgent.TestSupport;

/// <summary>
/// The folder holding google/protobuf/*.proto (timestamp, empty, ...), taken from the Grpc.Tools
/// package the build restored. Debian's protobuf-compiler ships protoc without these files (they
/// are in libprotobuf-dev), so every protoc run in the tests passes this folder with -I.
/// </summary>
public static class WellKnownProtos
{
    public static string IncludeDirectory { get; } = Find();

    private static string Find()
    {
        var path = typeof(WellKnownProtos).Assembly.GetCustomAttributes<AssemblyMetadataAttribute>()
            .SingleOrDefault(a => a.Key == "WellKnownProtos")?.Value;
        if (string.IsNullOrEmpty(path) || !File.Exists(Path.Combine(path, "google", "protobuf", "timestamp.proto")))
        {
            throw new InvalidOperationException(
                $"The well-known .proto files were not found at '{path}': restore Grpc.Tools (dotnet build restores it).");
        }

        return path;
    }
}
