using System.CommandLine;
using System.Runtime.InteropServices;
using PosAgent.Demo.Internal;

namespace PosAgent.Demo;

/// <summary>The <c>posagent-demo</c> command line (run by <c>./run.sh</c>).</summary>
public static class DemoCommandLine
{
    public static async Task<int> RunAsync(string[] args, TextWriter output, TextWriter error, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(args);
        var defaults = new DemoOptions();
        var stateDir = new Option<string>("--state-dir") { Description = "Folder for all state (SQLite files, sockets, device links, receipts)", DefaultValueFactory = _ => defaults.StateDirectory };
        var programs = new Option<string?>("--programs") { Description = "Folder of program files (default: the repository's programs/)" };
        var once = new Option<bool>("--once") { Description = "Run the demo checkout, then stop and clean up (for CI)" };
        var root = new RootCommand(
            "posagent-demo: the whole product on embedded defaults: the central service (SQLite, demo members), " +
            "a simulated lane (scanner and printer on pseudo-terminals) and the agent connected to both; runs one " +
            "demo checkout and keeps running until Ctrl+C.") { stateDir, programs, once };
        root.SetAction(async (parse, _) =>
        {
            var options = new DemoOptions
            {
                StateDirectory = parse.GetValue(stateDir)!,
                ProgramsDirectory = parse.GetValue(programs) ?? defaults.ProgramsDirectory,
                Once = parse.GetValue(once),
            };
            try
            {
                options.Validate();
            }
            catch (ArgumentException ex)
            {
                await error.WriteLineAsync("posagent-demo: " + ex.Message).ConfigureAwait(false);
                return 2;
            }

            // Our own Ctrl+C / SIGTERM handling: cleanup may take longer than a default grace period.
            using var stop = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken);
            using var sigint = PosixSignalRegistration.Create(PosixSignal.SIGINT, Stop);
            using var sigterm = PosixSignalRegistration.Create(PosixSignal.SIGTERM, Stop);
            return await DemoRunner.RunAsync(options, output, stop.Token).ConfigureAwait(false);

            void Stop(PosixSignalContext context)
            {
                context.Cancel = true;
                stop.Cancel();
            }
        });
        return await root.Parse(args).InvokeAsync(new InvocationConfiguration { ProcessTerminationTimeout = null, Output = output, Error = error }, cancellationToken).ConfigureAwait(false);
    }
}
