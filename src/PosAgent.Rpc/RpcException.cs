namespace PosAgent.Rpc;

/// <summary>
/// A call that ended with a status other than OK. Thrown by the client for a failed call, and thrown by
/// a server handler to end its call with that status (its <see cref="Trailers"/> are sent too).
/// </summary>
public sealed class RpcException : Exception
{
    public RpcException(Status status, Metadata? trailers = null)
        : base(status.ToString())
    {
        Status = status;
        Trailers = trailers ?? [];
    }

    public RpcException(StatusCode code, string detail, Metadata? trailers = null)
        : this(new Status(code, detail ?? string.Empty), trailers)
    {
    }

    public RpcException()
        : this(new Status(StatusCode.Unknown, string.Empty))
    {
    }

    public RpcException(string message)
        : this(new Status(StatusCode.Unknown, message))
    {
    }

    public RpcException(string message, Exception innerException)
        : base(message, innerException)
    {
        Status = new Status(StatusCode.Unknown, message);
        Trailers = [];
    }

    internal RpcException(Status status, Metadata? trailers, Exception? innerException)
        : base(status.ToString(), innerException)
    {
        Status = status;
        Trailers = trailers ?? [];
    }

    public Status Status { get; }

    /// <summary>The status code, for a resilience pipeline's ShouldHandle predicate.</summary>
    public StatusCode StatusCode => Status.StatusCode;

    /// <summary>The trailing metadata the server sent with the status (empty if none).</summary>
    public Metadata Trailers { get; }
}
