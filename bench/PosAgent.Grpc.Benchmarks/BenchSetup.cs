using System.Reflection;
using PosAgent.TestSupport;

namespace PosAgent.Grpc.Benchmarks;

/// <summary>The run's scratch folder (Unix sockets, python stubs) and where the repository's protos are.</summary>
internal sealed class BenchSetup : IDisposable
{
    private readonly TempDirectory _directory = new("pa-grpcbench-");

    public static string ProtosRoot { get; } = typeof(BenchSetup).Assembly.GetCustomAttributes<AssemblyMetadataAttribute>()
        .Single(a => a.Key == "ProtosRoot").Value!;

    public string Folder(string name) => Directory.CreateDirectory(_directory.File(name)).FullName;

    public string SocketPath(string name) => _directory.File(name);

    public void Dispose() => _directory.Dispose();
}
