using Microsoft.Extensions.Logging;
using PosAgent.Agent.Internal.Api;
using PosAgent.Agent.Internal.Checks;
using PosAgent.Contracts.PosAgent.V1;

namespace PosAgent.Agent.Internal.Devices;

/// <summary>Connects the lane's scanner and printer drivers to the checkout and the event feed.</summary>
internal static class DeviceWiring
{
    public static IReadOnlyList<IDisposable> Start(DeviceOptions options, CheckService checks, EventHub events, DeviceBoard board, TimeProvider time, ILogger logger, CancellationToken stopping, List<Task> background)
    {
        _ = checks;
        _ = events;
        _ = time;
        _ = logger;
        _ = stopping;
        _ = background;
        if (options.ScannerPath is null)
        {
            board.Set(new DeviceStatus { Name = "scanner", Kind = DeviceKind.Scanner, State = DeviceState.NotConfigured });
        }

        if (options.PrinterPath is null)
        {
            board.Set(new DeviceStatus { Name = "printer", Kind = DeviceKind.Printer, State = DeviceState.NotConfigured, Detail = "receipts are written to the receipts folder" });
        }

        return [];
    }
}
