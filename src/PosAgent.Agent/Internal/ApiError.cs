namespace PosAgent.Agent.Internal;

/// <summary>The gRPC status an API error maps to.</summary>
internal enum ApiErrorCode
{
    InvalidArgument,
    FailedPrecondition,
    NotFound,
    Unavailable,
    ResourceExhausted,
}

/// <summary>
/// A refusal with a message a cashier can act on. Thrown by the agent's services and turned into
/// the matching gRPC status at the local API's edge (so the services stay transport-free).
/// </summary>
internal sealed class ApiError : Exception
{
    public ApiError(ApiErrorCode code, string message)
        : base(message)
    {
        Code = code;
    }

    public ApiError()
        : this(ApiErrorCode.InvalidArgument, "invalid request")
    {
    }

    public ApiError(string message)
        : this(ApiErrorCode.InvalidArgument, message)
    {
    }

    public ApiError(string message, Exception innerException)
        : base(message, innerException)
    {
        Code = ApiErrorCode.InvalidArgument;
    }

    public ApiErrorCode Code { get; }

    public static ApiError Invalid(string message) => new(ApiErrorCode.InvalidArgument, message);

    public static ApiError Precondition(string message) => new(ApiErrorCode.FailedPrecondition, message);

    public static ApiError NotFound(string message) => new(ApiErrorCode.NotFound, message);

    public static ApiError Unavailable(string message) => new(ApiErrorCode.Unavailable, message);

    public static ApiError Exhausted(string message) => new(ApiErrorCode.ResourceExhausted, message);
}
