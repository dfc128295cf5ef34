namespace PosAgent.Rpc;

/// <summary>Options of the gRPC server, shared by every service mapped in the application.</summary>
public sealed class GrpcServerOptions
{
    /// <summary>Largest request message accepted, in bytes (after decompression); larger ones end the call with RESOURCE_EXHAUSTED. Default 4 MiB.</summary>
    public int MaxReceiveMessageSize { get; set; } = 4 * 1024 * 1024;

    /// <summary>Largest response message sent, in bytes; a larger one ends the call with RESOURCE_EXHAUSTED. Default 4 MiB.</summary>
    public int MaxSendMessageSize { get; set; } = 4 * 1024 * 1024;

    /// <summary>
    /// Compression of response messages when the caller accepts it: "gzip" or null (none). Default null:
    /// on loopback compression costs more than it saves. Requests are always accepted gzip-compressed.
    /// </summary>
    public string? ResponseCompressionAlgorithm { get; set; }

    /// <summary>
    /// Whether an unhandled exception's type and message go to the caller in grpc-message. Default false:
    /// callers see only "Exception was thrown by handler."; the exception is logged either way, and stack
    /// traces are never sent.
    /// </summary>
    public bool EnableDetailedErrors { get; set; }

    /// <summary>Interceptors run around every call, in order, after those registered in DI as <see cref="IServerInterceptor"/>.</summary>
    public IList<IServerInterceptor> Interceptors { get; } = [];

    /// <summary>Throws one <see cref="ArgumentException"/> naming every invalid option.</summary>
    public void Validate()
    {
        var problems = new List<string>();
        if (MaxReceiveMessageSize <= 0)
        {
            problems.Add($"MaxReceiveMessageSize must be positive (was {MaxReceiveMessageSize}).");
        }

        if (MaxSendMessageSize <= 0)
        {
            problems.Add($"MaxSendMessageSize must be positive (was {MaxSendMessageSize}).");
        }

        if (ResponseCompressionAlgorithm is not null &&
            !string.Equals(ResponseCompressionAlgorithm, "gzip", StringComparison.OrdinalIgnoreCase) &&
            !string.Equals(ResponseCompressionAlgorithm, "identity", StringComparison.OrdinalIgnoreCase))
        {
            problems.Add($"ResponseCompressionAlgorithm must be \"gzip\", \"identity\" or null (was \"{ResponseCompressionAlgorithm}\").");
        }

        if (problems.Count > 0)
        {
            throw new ArgumentException("Invalid GrpcServerOptions: " + string.Join(" ", problems));
        }
    }
}
