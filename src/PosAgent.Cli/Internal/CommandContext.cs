using System.CommandLine;
using Google.Protobuf;
using Spectre.Console;

namespace PosAgent.Cli.Internal;

/// <summary>What a command's action needs: the parsed line, the console, the agent connection.</summary>
internal sealed class CommandContext
{
    private const int UnwrappedWidth = 240;

    private static readonly JsonFormatter Formatter = new(JsonFormatter.Settings.Default.WithFormatDefaultValues(true));

    public CommandContext(ParseResult parse, CliConsole console, GlobalOptions options)
    {
        Parse = parse;
        Console = console;
        Json = parse.GetValue(options.Json);
        Timeout = TimeSpan.FromSeconds(parse.GetValue(options.Timeout));
        SocketOption = parse.GetValue(options.Socket);
        AddressOption = parse.GetValue(options.Address);
        Out = AnsiConsole.Create(new AnsiConsoleSettings
        {
            Out = new AnsiConsoleOutput(console.Output),
            Ansi = console.IsTerminal ? AnsiSupport.Detect : AnsiSupport.No,
            ColorSystem = console.IsTerminal ? ColorSystemSupport.Detect : ColorSystemSupport.NoColors,
            Interactive = console.IsTerminal ? InteractionSupport.Detect : InteractionSupport.No,
        });
        if (!console.IsTerminal)
        {
            // A pipe or a log has no width: do not wrap lines at the default 80 columns.
            Out.Profile.Width = UnwrappedWidth;
        }

        Err = AnsiConsole.Create(new AnsiConsoleSettings
        {
            Out = new AnsiConsoleOutput(console.Error),
            Ansi = console.IsTerminal ? AnsiSupport.Detect : AnsiSupport.No,
            ColorSystem = console.IsTerminal ? ColorSystemSupport.Detect : ColorSystemSupport.NoColors,
            Interactive = console.IsTerminal ? InteractionSupport.Detect : InteractionSupport.No,
        });
    }

    public ParseResult Parse { get; }

    public CliConsole Console { get; }

    public bool Json { get; }

    public TimeSpan Timeout { get; }

    /// <summary>Human output (tables, lines) on stdout.</summary>
    public IAnsiConsole Out { get; }

    /// <summary>Progress and notes on stderr, so stdout stays clean for pipes.</summary>
    public IAnsiConsole Err { get; }

    private string? SocketOption { get; }

    private string? AddressOption { get; }

    public AgentConnection ConnectToAgent() =>
        new(AgentEndpoint.Resolve(SocketOption, AddressOption, Console.Environment), Timeout);

    /// <summary>The answer as JSON with --json, else as <paramref name="human"/> renders it.</summary>
    public void Write<T>(T message, Action<IAnsiConsole, T> human)
        where T : IMessage
    {
        if (Json)
        {
            WriteJson(message);
        }
        else
        {
            human(Out, message);
        }
    }

    /// <summary>One message as one line of JSON (the proto3 JSON mapping, default values included).</summary>
    public void WriteJson(IMessage message) => Console.Output.WriteLine(Formatter.Format(message));
}
