using Google.Protobuf;
using Google.Protobuf.Reflection;
using PosAgent.Rpc.Internal;

namespace PosAgent.Rpc;

/// <summary>
/// Builds a service from its generated descriptor (<c>FooReflection.Descriptor.Services[0]</c>): one
/// handler per method, each checked against the descriptor (the method exists, its kind and its
/// message types match). Methods left without a handler answer UNIMPLEMENTED.
/// </summary>
public sealed class GrpcServiceBuilder
{
    private readonly List<ServerMethodBinding> _methods = [];
    private readonly List<IServerInterceptor> _interceptors = [];

    public GrpcServiceBuilder(ServiceDescriptor service)
    {
        Service = service ?? throw new ArgumentNullException(nameof(service));
    }

    public ServiceDescriptor Service { get; }

    public GrpcServiceBuilder Unary<TRequest, TResponse>(string methodName, UnaryServerMethod<TRequest, TResponse> handler)
        where TRequest : class, IMessage<TRequest>, new()
        where TResponse : class, IMessage<TResponse>, new()
    {
        ArgumentNullException.ThrowIfNull(handler);
        var method = Bind<TRequest, TResponse>(methodName, MethodType.Unary);
        _methods.Add(new ServerMethodBinding(method.Path, MethodType.Unary, (o, i) => new UnaryMethodHandler<TRequest, TResponse>(method, handler, o, i)));
        return this;
    }

    public GrpcServiceBuilder ServerStreaming<TRequest, TResponse>(string methodName, ServerStreamingServerMethod<TRequest, TResponse> handler)
        where TRequest : class, IMessage<TRequest>, new()
        where TResponse : class, IMessage<TResponse>, new()
    {
        ArgumentNullException.ThrowIfNull(handler);
        var method = Bind<TRequest, TResponse>(methodName, MethodType.ServerStreaming);
        _methods.Add(new ServerMethodBinding(method.Path, MethodType.ServerStreaming, (o, i) => new ServerStreamingMethodHandler<TRequest, TResponse>(method, handler, o, i)));
        return this;
    }

    public GrpcServiceBuilder ClientStreaming<TRequest, TResponse>(string methodName, ClientStreamingServerMethod<TRequest, TResponse> handler)
        where TRequest : class, IMessage<TRequest>, new()
        where TResponse : class, IMessage<TResponse>, new()
    {
        ArgumentNullException.ThrowIfNull(handler);
        var method = Bind<TRequest, TResponse>(methodName, MethodType.ClientStreaming);
        _methods.Add(new ServerMethodBinding(method.Path, MethodType.ClientStreaming, (o, i) => new ClientStreamingMethodHandler<TRequest, TResponse>(method, handler, o, i)));
        return this;
    }

    public GrpcServiceBuilder DuplexStreaming<TRequest, TResponse>(string methodName, DuplexStreamingServerMethod<TRequest, TResponse> handler)
        where TRequest : class, IMessage<TRequest>, new()
        where TResponse : class, IMessage<TResponse>, new()
    {
        ArgumentNullException.ThrowIfNull(handler);
        var method = Bind<TRequest, TResponse>(methodName, MethodType.DuplexStreaming);
        _methods.Add(new ServerMethodBinding(method.Path, MethodType.DuplexStreaming, (o, i) => new DuplexStreamingMethodHandler<TRequest, TResponse>(method, handler, o, i)));
        return this;
    }

    /// <summary>An interceptor for this service only, run after the server-wide ones.</summary>
    public GrpcServiceBuilder AddInterceptor(IServerInterceptor interceptor)
    {
        _interceptors.Add(interceptor ?? throw new ArgumentNullException(nameof(interceptor)));
        return this;
    }

    public GrpcServiceDefinition Build() => new(Service, [.. _methods], [.. _interceptors]);

    private GrpcMethod<TRequest, TResponse> Bind<TRequest, TResponse>(string methodName, MethodType registeredAs)
        where TRequest : class, IMessage<TRequest>, new()
        where TResponse : class, IMessage<TResponse>, new()
    {
        var descriptor = GrpcMethod.FindMethod(Service, methodName);
        var actual = GrpcMethod.TypeOf(descriptor);
        if (actual != registeredAs)
        {
            throw new ArgumentException($"Method '{descriptor.FullName}' is {Describe(actual)}, but its handler was registered as {Describe(registeredAs)}.", nameof(methodName));
        }

        var method = GrpcMethod.FromDescriptor<TRequest, TResponse>(descriptor);
        foreach (var existing in _methods)
        {
            if (existing.Path == method.Path)
            {
                throw new ArgumentException($"Method '{descriptor.FullName}' already has a handler.", nameof(methodName));
            }
        }

        return method;
    }

    private static string Describe(MethodType type) => type switch
    {
        MethodType.Unary => "unary",
        MethodType.ClientStreaming => "client-streaming",
        MethodType.ServerStreaming => "server-streaming",
        _ => "duplex-streaming",
    };
}

/// <summary>A built service, ready for <c>MapGrpcService</c>.</summary>
public sealed class GrpcServiceDefinition
{
    internal GrpcServiceDefinition(ServiceDescriptor service, IReadOnlyList<ServerMethodBinding> methods, IReadOnlyList<IServerInterceptor> interceptors)
    {
        Service = service;
        Methods = methods;
        Interceptors = interceptors;
    }

    public ServiceDescriptor Service { get; }

    /// <summary>The fully qualified service name.</summary>
    public string Name => Service.FullName;

    internal IReadOnlyList<ServerMethodBinding> Methods { get; }

    internal IReadOnlyList<IServerInterceptor> Interceptors { get; }
}
