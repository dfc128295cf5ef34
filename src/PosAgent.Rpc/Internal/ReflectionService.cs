using Google.Protobuf.Reflection;
using PosAgent.Rpc.Reflection.V1Alpha;

namespace PosAgent.Rpc.Internal;

/// <summary>
/// grpc.reflection.v1alpha.ServerReflection (doc/server-reflection.md): lists the mapped services and
/// serves their files, each with its transitive dependencies, by file name or by symbol.
/// </summary>
internal static class ReflectionService
{
    public static GrpcServiceDefinition Create(GrpcServiceRegistry registry) =>
        new GrpcServiceBuilder(ReflectionReflection.Descriptor.Services[0])
            .DuplexStreaming<ServerReflectionRequest, ServerReflectionResponse>("ServerReflectionInfo", async (requests, responses, context) =>
            {
                while (await requests.MoveNext(context.CancellationToken).ConfigureAwait(false))
                {
                    var response = Answer(registry.Services, requests.Current);
                    await responses.WriteAsync(response, context.CancellationToken).ConfigureAwait(false);
                }
            })
            .Build();

    internal static ServerReflectionResponse Answer(IReadOnlyList<ServiceDescriptor> services, ServerReflectionRequest request)
    {
        var response = new ServerReflectionResponse { ValidHost = request.Host, OriginalRequest = request };
        switch (request.MessageRequestCase)
        {
            case ServerReflectionRequest.MessageRequestOneofCase.ListServices:
                var list = new ListServiceResponse();
                foreach (var service in services)
                {
                    list.Service.Add(new ServiceResponse { Name = service.FullName });
                }

                response.ListServicesResponse = list;
                break;
            case ServerReflectionRequest.MessageRequestOneofCase.FileByFilename:
                SetFile(response, FindFile(services, request.FileByFilename), $"File not found: {request.FileByFilename}");
                break;
            case ServerReflectionRequest.MessageRequestOneofCase.FileContainingSymbol:
                SetFile(response, FindSymbol(services, request.FileContainingSymbol), $"Symbol not found: {request.FileContainingSymbol}");
                break;
            case ServerReflectionRequest.MessageRequestOneofCase.FileContainingExtension:
            case ServerReflectionRequest.MessageRequestOneofCase.AllExtensionNumbersOfType:
                // proto3 services here declare no extensions.
                response.ErrorResponse = new ErrorResponse { ErrorCode = (int)StatusCode.NotFound, ErrorMessage = "Extensions are not supported." };
                break;
            default:
                response.ErrorResponse = new ErrorResponse { ErrorCode = (int)StatusCode.InvalidArgument, ErrorMessage = "The request names no reflection query." };
                break;
        }

        return response;
    }

    private static void SetFile(ServerReflectionResponse response, FileDescriptor? file, string notFound)
    {
        if (file is null)
        {
            response.ErrorResponse = new ErrorResponse { ErrorCode = (int)StatusCode.NotFound, ErrorMessage = notFound };
            return;
        }

        var result = new FileDescriptorResponse();
        var seen = new HashSet<string>(StringComparer.Ordinal);
        var pending = new Stack<FileDescriptor>();
        pending.Push(file);
        while (pending.Count > 0)
        {
            var next = pending.Pop();
            if (!seen.Add(next.Name))
            {
                continue;
            }

            result.FileDescriptorProto.Add(next.SerializedData);
            for (var i = next.Dependencies.Count - 1; i >= 0; i--)
            {
                pending.Push(next.Dependencies[i]);
            }
        }

        response.FileDescriptorResponse = result;
    }

    private static IEnumerable<FileDescriptor> AllFiles(IReadOnlyList<ServiceDescriptor> services)
    {
        var seen = new HashSet<string>(StringComparer.Ordinal);
        var pending = new Stack<FileDescriptor>();
        foreach (var service in services)
        {
            pending.Push(service.File);
        }

        while (pending.Count > 0)
        {
            var file = pending.Pop();
            if (!seen.Add(file.Name))
            {
                continue;
            }

            yield return file;
            foreach (var dependency in file.Dependencies)
            {
                pending.Push(dependency);
            }
        }
    }

    private static FileDescriptor? FindFile(IReadOnlyList<ServiceDescriptor> services, string name)
    {
        foreach (var file in AllFiles(services))
        {
            if (file.Name == name)
            {
                return file;
            }
        }

        return null;
    }

    private static FileDescriptor? FindSymbol(IReadOnlyList<ServiceDescriptor> services, string symbol)
    {
        foreach (var file in AllFiles(services))
        {
            foreach (var service in file.Services)
            {
                if (service.FullName == symbol)
                {
                    return file;
                }

                foreach (var method in service.Methods)
                {
                    if (method.FullName == symbol)
                    {
                        return file;
                    }
                }
            }

            if (ContainsType(file.MessageTypes, file.EnumTypes, symbol))
            {
                return file;
            }
        }

        return null;
    }

    private static bool ContainsType(IList<MessageDescriptor> messages, IList<EnumDescriptor> enums, string symbol)
    {
        foreach (var e in enums)
        {
            if (e.FullName == symbol)
            {
                return true;
            }
        }

        foreach (var message in messages)
        {
            if (message.FullName == symbol || ContainsType(message.NestedTypes, message.EnumTypes, symbol))
            {
                return true;
            }
        }

        return false;
    }
}
