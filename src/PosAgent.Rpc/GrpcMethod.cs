using System.Collections.Concurrent;
using Google.Protobuf;
using Google.Protobuf.Reflection;

namespace PosAgent.Rpc;

/// <summary>
/// A method of a service, typed by its protobuf request and response, as both client and server use it.
/// Build one from the generated descriptor (<see cref="GrpcMethod.FromDescriptor{TRequest, TResponse}(MethodDescriptor)"/>)
/// and keep it: it holds the parsers and the encoded path.
/// </summary>
public sealed class GrpcMethod<TRequest, TResponse>
    where TRequest : class, IMessage<TRequest>, new()
    where TResponse : class, IMessage<TResponse>, new()
{
    internal GrpcMethod(MethodType type, string serviceName, string name)
    {
        Type = type;
        ServiceName = serviceName;
        Name = name;
        FullName = serviceName + "/" + name;
        Path = "/" + FullName;
        RequestParser = new MessageParser<TRequest>(static () => new TRequest());
        ResponseParser = new MessageParser<TResponse>(static () => new TResponse());
    }

    public MethodType Type { get; }

    /// <summary>The fully qualified service, e.g. "grpc.testing.TestService".</summary>
    public string ServiceName { get; }

    /// <summary>The method's name, e.g. "UnaryCall".</summary>
    public string Name { get; }

    /// <summary>"package.Service/Method".</summary>
    public string FullName { get; }

    /// <summary>The HTTP/2 :path, "/package.Service/Method".</summary>
    public string Path { get; }

    internal MessageParser<TRequest> RequestParser { get; }

    internal MessageParser<TResponse> ResponseParser { get; }

    public override string ToString() => Path;
}

/// <summary>Creates <see cref="GrpcMethod{TRequest, TResponse}"/>, checking them against the descriptors.</summary>
public static class GrpcMethod
{
    /// <summary>The method of a generated descriptor; throws if its request or response type is not TRequest / TResponse.</summary>
    public static GrpcMethod<TRequest, TResponse> FromDescriptor<TRequest, TResponse>(MethodDescriptor method)
        where TRequest : class, IMessage<TRequest>, new()
        where TResponse : class, IMessage<TResponse>, new()
    {
        ArgumentNullException.ThrowIfNull(method);
        CheckMessageType(method, method.InputType, typeof(TRequest), new TRequest().Descriptor, "takes");
        CheckMessageType(method, method.OutputType, typeof(TResponse), new TResponse().Descriptor, "returns");
        return new GrpcMethod<TRequest, TResponse>(TypeOf(method), method.Service.FullName, method.Name);
    }

    /// <summary>The method <paramref name="name"/> of a generated service descriptor (see <see cref="FromDescriptor{TRequest, TResponse}(MethodDescriptor)"/>).</summary>
    public static GrpcMethod<TRequest, TResponse> FromDescriptor<TRequest, TResponse>(ServiceDescriptor service, string name)
        where TRequest : class, IMessage<TRequest>, new()
        where TResponse : class, IMessage<TResponse>, new()
        => FromDescriptor<TRequest, TResponse>(FindMethod(service, name));

    /// <summary>
    /// A method named "package.Service/Method" (a leading '/' is allowed) without a descriptor, e.g. to call a
    /// peer whose protos the process does not have. Cached: repeated calls with the same name are cheap.
    /// </summary>
    public static GrpcMethod<TRequest, TResponse> Create<TRequest, TResponse>(MethodType type, string fullName)
        where TRequest : class, IMessage<TRequest>, new()
        where TResponse : class, IMessage<TResponse>, new()
    {
        ArgumentException.ThrowIfNullOrEmpty(fullName);
        return Cache<TRequest, TResponse>.Methods.GetOrAdd((type, fullName), static key =>
        {
            var name = key.Name.StartsWith('/') ? key.Name[1..] : key.Name;
            var slash = name.IndexOf('/', StringComparison.Ordinal);
            if (slash <= 0 || slash == name.Length - 1 || name.IndexOf('/', slash + 1) >= 0)
            {
                throw new ArgumentException($"Method name '{key.Name}' is not of the form 'package.Service/Method'.", nameof(fullName));
            }

            return new GrpcMethod<TRequest, TResponse>(key.Type, name[..slash], name[(slash + 1)..]);
        });
    }

    internal static MethodType TypeOf(MethodDescriptor method) => (method.IsClientStreaming, method.IsServerStreaming) switch
    {
        (false, false) => MethodType.Unary,
        (true, false) => MethodType.ClientStreaming,
        (false, true) => MethodType.ServerStreaming,
        _ => MethodType.DuplexStreaming,
    };

    internal static MethodDescriptor FindMethod(ServiceDescriptor service, string name)
    {
        ArgumentNullException.ThrowIfNull(service);
        ArgumentException.ThrowIfNullOrEmpty(name);
        return service.FindMethodByName(name)
            ?? throw new ArgumentException($"Service '{service.FullName}' has no method '{name}'; its methods are: {string.Join(", ", service.Methods.Select(m => m.Name))}.", nameof(name));
    }

    private static void CheckMessageType(MethodDescriptor method, MessageDescriptor expected, Type clrType, MessageDescriptor actual, string verb)
    {
        if (!string.Equals(expected.FullName, actual.FullName, StringComparison.Ordinal))
        {
            throw new ArgumentException($"Method '{method.FullName}' {verb} '{expected.FullName}', but the type given is {clrType.Name} ('{actual.FullName}').");
        }
    }

    private static class Cache<TRequest, TResponse>
        where TRequest : class, IMessage<TRequest>, new()
        where TResponse : class, IMessage<TResponse>, new()
    {
        public static readonly ConcurrentDictionary<(MethodType Type, string Name), GrpcMethod<TRequest, TResponse>> Methods = new();
    }
}
