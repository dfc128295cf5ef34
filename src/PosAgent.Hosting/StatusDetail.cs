namespace PosAgent.Hosting;

/// <summary>
/// Bounds the message a status carries. Messages quote what the caller sent (an id, a code); a
/// caller sending a 1 MB id got it back in grpc-message, which then broke the peer's metadata limit
/// and turned a clear INVALID_ARGUMENT into RESOURCE_EXHAUSTED (and filled the log). The message's
/// start names the field and the problem, so that is what is kept.
/// </summary>
public static class StatusDetail
{
    /// <summary>Characters kept: a field name, a reason and a recognisable prefix of the value.</summary>
    public const int MaxLength = 300;

    public static string Bounded(string? message)
    {
        if (string.IsNullOrEmpty(message) || message.Length <= MaxLength)
        {
            return message ?? string.Empty;
        }

        return string.Concat(message.AsSpan(0, MaxLength), $"… ({message.Length} characters, cut)");
    }
}
