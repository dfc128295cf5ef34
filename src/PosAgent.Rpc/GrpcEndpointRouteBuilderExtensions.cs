using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.Routing;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.DependencyInjection.Extensions;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Logging.Abstractions;
using Microsoft.Extensions.Options;
using PosAgent.Rpc.Health.V1;
using PosAgent.Rpc.Internal;

namespace PosAgent.Rpc;

/// <summary>Registers the gRPC server in DI and maps services onto endpoint routing.</summary>
public static class GrpcEndpointRouteBuilderExtensions
{
    /// <summary>
    /// Adds the gRPC server's services: options (validated when the first service is mapped), the
    /// <see cref="HealthStatusManager"/>, and the registry reflection reads.
    /// </summary>
    public static IServiceCollection AddGrpcRpc(this IServiceCollection services, Action<GrpcServerOptions>? configure = null)
    {
        ArgumentNullException.ThrowIfNull(services);
        services.AddOptions<GrpcServerOptions>();
        if (configure is not null)
        {
            services.Configure(configure);
        }

        services.AddRouting();
        // TryAdd: the application's own TimeProvider (e.g. a test clock) wins, and AddGrpcRpc may run twice.
        services.TryAddSingleton<GrpcServiceRegistry>();
        services.TryAddSingleton<HealthStatusManager>();
        services.TryAddSingleton(TimeProvider.System);
        return services;
    }

    /// <summary>
    /// Maps every method of the service to POST /package.Service/Method. Methods without a handler, and
    /// unknown services, answer UNIMPLEMENTED. Returns a builder to add conventions (e.g. RequireHost).
    /// </summary>
    public static IEndpointConventionBuilder MapGrpcService(this IEndpointRouteBuilder endpoints, GrpcServiceDefinition definition)
    {
        ArgumentNullException.ThrowIfNull(endpoints);
        ArgumentNullException.ThrowIfNull(definition);
        var services = endpoints.ServiceProvider;
        var registry = services.GetService<GrpcServiceRegistry>()
            ?? throw new InvalidOperationException("Call builder.Services.AddGrpcRpc() before mapping gRPC services.");
        var handlerOptions = CreateHandlerOptions(services);
        registry.Add(definition.Service);

        var interceptors = new List<IServerInterceptor>(handlerOptions.Interceptors);
        interceptors.AddRange(definition.Interceptors);
        var builders = new List<IEndpointConventionBuilder>();
        foreach (var method in definition.Service.Methods)
        {
            var path = "/" + definition.Service.FullName + "/" + method.Name;
            ServerMethodHandler? handler = null;
            foreach (var binding in definition.Methods)
            {
                if (binding.Path == path)
                {
                    handler = binding.CreateHandler(handlerOptions, interceptors);
                    break;
                }
            }

            handler ??= new UnimplementedMethodHandler(path, $"Method is unimplemented: {definition.Service.FullName}/{method.Name}.", handlerOptions);
            builders.Add(endpoints.MapPost(path, handler.HandleAsync).WithDisplayName("gRPC " + path));
        }

        var unknownMethod = new UnimplementedMethodHandler("/" + definition.Service.FullName + "/", $"Method is unimplemented: service {definition.Service.FullName} has no such method.", handlerOptions);
        builders.Add(endpoints.MapPost("/" + definition.Service.FullName + "/{method}", unknownMethod.HandleAsync).WithDisplayName("gRPC unimplemented method of " + definition.Service.FullName));
        MapFallback(endpoints, registry, handlerOptions);
        return new CompositeConventionBuilder(builders);
    }

    /// <summary>Maps grpc.health.v1.Health (Check and Watch), answering from the <see cref="HealthStatusManager"/>.</summary>
    public static IEndpointConventionBuilder MapGrpcHealthService(this IEndpointRouteBuilder endpoints)
    {
        ArgumentNullException.ThrowIfNull(endpoints);
        var manager = endpoints.ServiceProvider.GetRequiredService<HealthStatusManager>();
        return endpoints.MapGrpcService(HealthService.Create(manager));
    }

    /// <summary>Maps grpc.reflection.v1alpha.ServerReflection, describing every service mapped in this application.</summary>
    public static IEndpointConventionBuilder MapGrpcReflectionService(this IEndpointRouteBuilder endpoints)
    {
        ArgumentNullException.ThrowIfNull(endpoints);
        var registry = endpoints.ServiceProvider.GetService<GrpcServiceRegistry>()
            ?? throw new InvalidOperationException("Call builder.Services.AddGrpcRpc() before mapping gRPC services.");
        return endpoints.MapGrpcService(ReflectionService.Create(registry));
    }

    private static ServerHandlerOptions CreateHandlerOptions(IServiceProvider services)
    {
        var options = services.GetRequiredService<IOptions<GrpcServerOptions>>().Value;
        options.Validate();
        var logger = services.GetService<ILoggerFactory>()?.CreateLogger("PosAgent.Rpc.Server") ?? NullLogger.Instance;
        var timeProvider = services.GetService<TimeProvider>() ?? TimeProvider.System;
        var interceptors = new List<IServerInterceptor>(services.GetServices<IServerInterceptor>());
        interceptors.AddRange(options.Interceptors);
        return new ServerHandlerOptions(options, logger, timeProvider, interceptors);
    }

    private static void MapFallback(IEndpointRouteBuilder endpoints, GrpcServiceRegistry registry, ServerHandlerOptions options)
    {
        if (!registry.MarkFallback(endpoints))
        {
            return;
        }

        // Any other POST "/a.B/C": an unknown service. Lowest precedence, so the application's own routes win.
        var unknownService = new UnimplementedMethodHandler("/", "Service is unimplemented.", options);
        endpoints.MapPost("/{service}/{method}", unknownService.HandleAsync)
            .WithDisplayName("gRPC unimplemented service")
            .Add(b => ((RouteEndpointBuilder)b).Order = int.MaxValue);
    }

    private sealed class CompositeConventionBuilder(List<IEndpointConventionBuilder> builders) : IEndpointConventionBuilder
    {
        public void Add(Action<EndpointBuilder> convention)
        {
            foreach (var builder in builders)
            {
                builder.Add(convention);
            }
        }

        public void Finally(Action<EndpointBuilder> finallyConvention)
        {
            foreach (var builder in builders)
            {
                builder.Finally(finallyConvention);
            }
        }
    }
}
