using System.CommandLine;
using System.Text.Json;

namespace PosAgent.Cli.Internal;

/// <summary>Runs a command's body and turns its failures into one clear line (or JSON) and an exit code.</summary>
internal static class CommandAction
{
    public static void Set(Command command, GlobalOptions options, CliConsole console, Func<CommandContext, CancellationToken, Task<int>> body)
    {
        command.SetAction(async (parse, cancellationToken) =>
        {
            CommandContext? context = null;
            try
            {
                context = new CommandContext(parse, console, options);
                return await body(context, cancellationToken).ConfigureAwait(false);
            }
            catch (CliException ex)
            {
                WriteError(console, context?.Json ?? parse.GetValue(options.Json), ex.Code, ex.Message);
                return ex.ExitCode;
            }
        });
    }

    public static void WriteError(CliConsole console, bool json, string code, string message)
    {
        if (json)
        {
            console.Error.WriteLine(JsonSerializer.Serialize(new ErrorEnvelope(new ErrorBody(code, message)), ErrorJson.Default.ErrorEnvelope));
        }
        else
        {
            console.Error.WriteLine($"posagent: {code}: {message}");
        }
    }
}

internal sealed record ErrorEnvelope(ErrorBody Error);

internal sealed record ErrorBody(string Code, string Message);

[System.Text.Json.Serialization.JsonSourceGenerationOptions(PropertyNamingPolicy = System.Text.Json.Serialization.JsonKnownNamingPolicy.CamelCase)]
[System.Text.Json.Serialization.JsonSerializable(typeof(ErrorEnvelope))]
internal sealed partial class ErrorJson : System.Text.Json.Serialization.JsonSerializerContext;
