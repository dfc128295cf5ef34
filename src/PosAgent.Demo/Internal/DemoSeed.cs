using PosAgent.Central;

namespace PosAgent.Demo.Internal;

/// <summary>
/// The demo's data in the central service, made with the operator CLI (the same commands an
/// operator types): demo members with cards, and a credential for the demo terminal.
/// </summary>
internal static class DemoSeed
{
    public const string TerminalId = "demo-lane-1";
    public const string StoreId = "demo-store";

    /// <summary>The demo members: INV-KZ cards (prefix 2601, EAN-13); registration grants the 500-point welcome bonus (INV-KZ-R5).</summary>
    public static readonly IReadOnlyList<(string Card, string Name, string Phone)> Members =
    [
        ("2601000000014", "Aigerim Demo", "+77011234567"),
        ("2601000000021", "Timur Demo", "+77017654321"),
    ];

    /// <summary>Registers the members not yet there; returns a fresh token for the demo terminal.</summary>
    public static async Task<string> SeedAsync(string stateDirectory, string programsDirectory, CancellationToken cancellationToken)
    {
        string[] global = ["--state-dir", stateDirectory, "--programs", programsDirectory];
        foreach (var (card, name, phone) in Members)
        {
            var show = await RunAsync([.. global, "card", "show", card], cancellationToken).ConfigureAwait(false);
            if (show.ExitCode == 0)
            {
                continue;
            }

            var register = await RunAsync([.. global, "card", "register", "--program", "INV-KZ", "--name", name, "--phone", phone, "--card", card], cancellationToken).ConfigureAwait(false);
            if (register.ExitCode != 0)
            {
                throw new InvalidOperationException($"Could not register demo member {name}: {register.Error}{register.Output}");
            }
        }

        var terminal = await RunAsync([.. global, "terminal", "create", TerminalId, "--store-id", StoreId, "--description", "posagent-demo"], cancellationToken).ConfigureAwait(false);
        var token = terminal.Output.Split('\n').Select(l => l.Trim()).FirstOrDefault(l => l.StartsWith("token: ", StringComparison.Ordinal))?["token: ".Length..];
        return token ?? throw new InvalidOperationException($"Could not create the demo terminal's credential: {terminal.Error}{terminal.Output}");
    }

    private static async Task<(int ExitCode, string Output, string Error)> RunAsync(string[] args, CancellationToken cancellationToken)
    {
        using var output = new StringWriter();
        using var error = new StringWriter();
        var exit = await CentralCli.RunAsync(args, output, error, cancellationToken).ConfigureAwait(false);
        return (exit, output.ToString(), error.ToString());
    }
}
