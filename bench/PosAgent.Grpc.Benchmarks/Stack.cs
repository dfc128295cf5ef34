namespace PosAgent.Grpc.Benchmarks;

/// <summary>
/// One unary call through one stack over one transport, as the runner times it. A leg that mixes two
/// stacks' ends names in <paramref name="Against"/> the leg it isolates a share against (e.g. a bare
/// client to the grpc-dotnet server, against the bare floor: the server's share alone).
/// </summary>
internal sealed record Leg(string Stack, string Transport, Func<Task> Call, string? Against = null)
{
    public string Name => $"{Stack}, {Transport}";
}

/// <summary>
/// A running server and its client(s): one leg per transport. <see cref="GrpcDotnetThroughputGoal"/>
/// is the least grpc-dotnet's calls/s divided by this stack's may be (the goals), or null.
/// </summary>
internal interface IStack : IAsyncDisposable
{
    string Name { get; }

    IReadOnlyList<Leg> Legs { get; }

    Goal? GrpcDotnetThroughputGoal { get; }
}

/// <summary>A goal on grpc-dotnet's throughput over another stack's, e.g. at least 4x python's.</summary>
internal sealed record Goal(double MinimumRatio, string Text);

/// <summary>What every stack sends and answers: the same small payload each way.</summary>
internal static class Payload
{
    public const int Size = 32;

    public static readonly byte[] Bytes = CreateBytes();

    private static byte[] CreateBytes()
    {
        var bytes = new byte[Size];
        for (var i = 0; i < bytes.Length; i++)
        {
            bytes[i] = (byte)i;
        }

        return bytes;
    }
}
