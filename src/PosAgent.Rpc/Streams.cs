namespace PosAgent.Rpc;

/// <summary>Messages arriving on a stream, one at a time.</summary>
public interface IAsyncStreamReader<out T>
{
    /// <summary>The message read by the last <see cref="MoveNext"/> that returned true.</summary>
    T Current { get; }

    /// <summary>Reads the next message; false at the end of the stream. Throws <see cref="RpcException"/> on a failed call.</summary>
    Task<bool> MoveNext(CancellationToken cancellationToken = default);
}

/// <summary>Writes messages to the server's response stream.</summary>
public interface IServerStreamWriter<in T>
{
    /// <summary>Sends one message (the response headers go first, with the first message).</summary>
    Task WriteAsync(T message, CancellationToken cancellationToken = default);
}

/// <summary>Writes messages to the client's request stream.</summary>
public interface IClientStreamWriter<in T>
{
    /// <summary>Sends one message.</summary>
    Task WriteAsync(T message, CancellationToken cancellationToken = default);

    /// <summary>Ends the request stream (the server then sees its end).</summary>
    Task CompleteAsync();
}

/// <summary>Helpers over <see cref="IAsyncStreamReader{T}"/>.</summary>
public static class AsyncStreamReaderExtensions
{
    /// <summary>The remaining messages as an async sequence.</summary>
    public static async IAsyncEnumerable<T> ReadAllAsync<T>(this IAsyncStreamReader<T> reader, [System.Runtime.CompilerServices.EnumeratorCancellation] CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(reader);
        while (await reader.MoveNext(cancellationToken).ConfigureAwait(false))
        {
            yield return reader.Current;
        }
    }
}
