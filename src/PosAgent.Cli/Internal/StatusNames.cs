using System.Text;
using Grpc.Core;

namespace PosAgent.Cli.Internal;

/// <summary>gRPC status codes by their canonical names ("INVALID_ARGUMENT"), as scripts know them.</summary>
internal static class StatusNames
{
    public static string Of(StatusCode code) => UpperSnake(code.ToString());

    /// <summary>"InvalidArgument" -> "INVALID_ARGUMENT".</summary>
    public static string UpperSnake(string pascal)
    {
        var builder = new StringBuilder(pascal.Length + 8);
        for (var i = 0; i < pascal.Length; i++)
        {
            if (i > 0 && char.IsUpper(pascal[i]))
            {
                builder.Append('_');
            }

            builder.Append(char.ToUpperInvariant(pascal[i]));
        }

        return builder.ToString();
    }
}
