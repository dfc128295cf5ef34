using System.Text;
using System.Text.Json;
using FirmwareSim.Scenarios;

namespace FirmwareSim.WebConsole;

/// <summary>Why a scenario could not start.</summary>
internal sealed class ScenarioRejectedException(string message, bool busy) : Exception(message)
{
    /// <summary>True when another scenario is still running (not a problem with this one).</summary>
    public bool Busy { get; } = busy;
}

/// <summary>
/// Runs one scenario at a time from the console with the same parser and runner as
/// `firmware-sim run-scenario`, and reports its steps to the pages as they happen:
/// "scenario-start" (the steps), "scenario" (each output line; "[line N] ..." starts step N),
/// "scenario-end" (held or failed, with the runner's message).
/// </summary>
internal sealed class ScenarioSession(SimulatedScanner? scanner, SimulatedPrinter? printer, ConsoleEventHub hub) : IAsyncDisposable
{
    private readonly Lock _gate = new();
    private CancellationTokenSource? _running;
    private Task _run = Task.CompletedTask;

    /// <summary>Parses <paramref name="text"/> and starts it; throws <see cref="ScenarioRejectedException"/> for a bad file or while one runs.</summary>
    public void Start(string name, string text)
    {
        IReadOnlyList<SimCommand> commands;
        try
        {
            commands = SimCommandParser.ParseScenario(text);
        }
        catch (SimCommandException ex)
        {
            throw new ScenarioRejectedException(ex.Message, busy: false);
        }

        if (commands.Count == 0)
        {
            throw new ScenarioRejectedException("the scenario has no steps", busy: false);
        }

        lock (_gate)
        {
            if (_running is not null)
            {
                throw new ScenarioRejectedException("a scenario is already running; stop it first", busy: true);
            }

            _running = new CancellationTokenSource();
            var sourceLines = text.Split('\n');
            var steps = commands.Select(c => new { line = c.Line, text = sourceLines[c.Line - 1].Trim() }).ToArray();
            hub.Publish("scenario-start", JsonSerializer.Serialize(new { name, steps }));
            _run = RunAsync(name, commands, _running.Token);
        }
    }

    /// <summary>Stops the running scenario, if any (the current step is cancelled).</summary>
    public void Stop()
    {
        lock (_gate)
        {
            _running?.Cancel();
        }
    }

    private async Task RunAsync(string name, IReadOnlyList<SimCommand> commands, CancellationToken cancellationToken)
    {
        await Task.Yield();
        using var output = new LineWriter(line =>
        {
            hub.Publish("scenario", JsonSerializer.Serialize(new { line }));
            hub.StateMayHaveChanged();
        });
        var runner = new SimCommandRunner(scanner, printer, output);
        (bool Ok, string Message) end;
        try
        {
            await runner.RunScenarioAsync(commands, cancellationToken).ConfigureAwait(false);
            end = (true, $"scenario {name}: all {commands.Count} steps done");
        }
        catch (ScenarioFailedException ex)
        {
            end = (false, $"scenario {name} failed at {ex.Message}");
        }
        catch (OperationCanceledException)
        {
            end = (false, $"scenario {name} stopped");
        }
        catch (Exception ex) when (ex is SimCommandException or IOException)
        {
            end = (false, $"scenario {name} failed: {ex.Message}");
        }

        lock (_gate)
        {
            _running?.Dispose();
            _running = null;
        }

        hub.Publish("scenario-end", JsonSerializer.Serialize(new { ok = end.Ok, message = end.Message }));
        hub.StateMayHaveChanged();
    }

    public async ValueTask DisposeAsync()
    {
        Stop();
        await _run.ConfigureAwait(false);
    }

    /// <summary>Hands each complete line the runner writes to <paramref name="onLine"/>.</summary>
    private sealed class LineWriter(Action<string> onLine) : TextWriter
    {
        private readonly StringBuilder _line = new();

        public override Encoding Encoding => Encoding.UTF8;

        public override void Write(char value)
        {
            if (value == '\n')
            {
                onLine(_line.ToString().TrimEnd('\r'));
                _line.Clear();
            }
            else
            {
                _line.Append(value);
            }
        }
    }
}
