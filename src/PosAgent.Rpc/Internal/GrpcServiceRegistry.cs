using Google.Protobuf.Reflection;
using Microsoft.AspNetCore.Routing;

namespace PosAgent.Rpc.Internal;

/// <summary>The services mapped in this application, for reflection, and which route builders got the fallback.</summary>
internal sealed class GrpcServiceRegistry
{
    private readonly Lock _gate = new();
    private readonly List<ServiceDescriptor> _services = [];
    private readonly HashSet<IEndpointRouteBuilder> _withFallback = [];

    public IReadOnlyList<ServiceDescriptor> Services
    {
        get
        {
            lock (_gate)
            {
                return [.. _services];
            }
        }
    }

    public void Add(ServiceDescriptor service)
    {
        lock (_gate)
        {
            foreach (var existing in _services)
            {
                if (existing.FullName == service.FullName)
                {
                    throw new InvalidOperationException($"Service '{service.FullName}' is mapped twice.");
                }
            }

            _services.Add(service);
        }
    }

    public bool MarkFallback(IEndpointRouteBuilder endpoints)
    {
        lock (_gate)
        {
            return _withFallback.Add(endpoints);
        }
    }
}
