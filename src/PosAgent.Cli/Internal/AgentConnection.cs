using Google.Protobuf;
using Grpc.Core;
using Grpc.Net.Client;
using PosAgent.Hosting;

namespace PosAgent.Cli.Internal;

/// <summary>
/// One channel to the agent for one command. Turns transport failures into a message that says
/// which socket or address was tried, and error statuses into <see cref="CliException"/>.
/// </summary>
internal sealed class AgentConnection : IDisposable
{
    private readonly GrpcChannel _channel;
    private readonly CallInvoker _invoker;
    private readonly TimeSpan _timeout;

    public AgentConnection(AgentEndpoint endpoint, TimeSpan timeout)
    {
        Endpoint = endpoint;
        _timeout = timeout;
        var settings = new GrpcConnectionSettings { ConnectTimeout = timeout };
        _channel = endpoint.SocketPath is not null
            ? GrpcChannels.ForUnixSocket(endpoint.SocketPath, settings)
            : GrpcChannels.ForAddress(endpoint.Address!.AbsoluteUri, settings);
        _invoker = _channel.CreateCallInvoker();
    }

    public AgentEndpoint Endpoint { get; }

    public async Task<TResponse> CallAsync<TRequest, TResponse>(Method<TRequest, TResponse> method, TRequest request, CancellationToken cancellationToken)
        where TRequest : class, IMessage<TRequest>, new()
        where TResponse : class, IMessage<TResponse>, new()
    {
        try
        {
            using var call = _invoker.AsyncUnaryCall(method, null, new CallOptions(deadline: DateTime.UtcNow + _timeout, cancellationToken: cancellationToken), request);
            return await call.ResponseAsync.ConfigureAwait(false);
        }
        catch (RpcException ex)
        {
            throw Translate(ex, method.Name);
        }
    }

    /// <summary>A server stream; errors surface from the enumeration as <see cref="CliException"/>.</summary>
    public async IAsyncEnumerable<TResponse> StreamAsync<TRequest, TResponse>(Method<TRequest, TResponse> method, TRequest request, [System.Runtime.CompilerServices.EnumeratorCancellation] CancellationToken cancellationToken)
        where TRequest : class, IMessage<TRequest>, new()
        where TResponse : class, IMessage<TResponse>, new()
    {
        using var call = _invoker.AsyncServerStreamingCall(method, null, new CallOptions(cancellationToken: cancellationToken), request);
        while (true)
        {
            bool more;
            try
            {
                more = await call.ResponseStream.MoveNext(cancellationToken).ConfigureAwait(false);
            }
            catch (RpcException ex)
            {
                throw Translate(ex, method.Name);
            }

            if (!more)
            {
                yield break;
            }

            yield return call.ResponseStream.Current;
        }
    }

    public void Dispose() => _channel.Dispose();

    private CliException Translate(RpcException ex, string methodName)
    {
        if (IsTransportFailure(ex))
        {
            var tried = Endpoint.Tried.Count > 1
                ? $" No socket was given, so these were tried: {string.Join(", ", Endpoint.Tried)}."
                : string.Empty;
            var why = Endpoint.SocketPath is not null && !File.Exists(Endpoint.SocketPath) ? "there is no such socket file" : Innermost(ex).Message.TrimEnd('.');
            return new CliException(CliException.UnreachableExitCode, "AGENT_UNREACHABLE",
                $"Cannot reach the agent at {Endpoint.Description}: {why}.{tried} Is posagent-agent running? " +
                $"Give its socket with --socket PATH (or ${AgentEndpoint.SocketVariable}), or its TCP address with --address http://127.0.0.1:PORT.",
                ex);
        }

        if (ex.StatusCode == StatusCode.DeadlineExceeded)
        {
            return new CliException(CliException.CallFailedExitCode, StatusNames.Of(ex.StatusCode),
                $"The agent at {Endpoint.Description} did not answer {methodName} within {_timeout.TotalSeconds:0.#} s (raise --timeout).", ex);
        }

        return new CliException(CliException.CallFailedExitCode, StatusNames.Of(ex.StatusCode), ex.Status.Detail, ex);
    }

    private static bool IsTransportFailure(RpcException ex) =>
        ex.StatusCode == StatusCode.Unavailable && ex.InnerException is HttpRequestException or IOException or System.Net.Sockets.SocketException;

    private static Exception Innermost(Exception ex)
    {
        while (ex.InnerException is not null)
        {
            ex = ex.InnerException;
        }

        return ex;
    }
}
