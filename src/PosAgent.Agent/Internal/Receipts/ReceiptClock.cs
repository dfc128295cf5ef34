using System.Diagnostics.CodeAnalysis;

namespace PosAgent.Agent.Internal.Receipts;

/// <summary>
/// The store's local time for receipts: the agent's <see cref="TimeProvider"/> read in the store's
/// configured time zone (<see cref="DeviceOptions.StoreTimeZone"/>), else in the machine's
/// (<see cref="TimeProvider.LocalTimeZone"/>). Daylight saving and a zone's changes of standard
/// offset come from the machine's tz database.
/// </summary>
internal sealed class ReceiptClock
{
    private readonly TimeProvider _time;

    public ReceiptClock(TimeProvider time, TimeZoneInfo zone)
    {
        _time = time;
        Zone = zone;
    }

    /// <summary>The zone receipts are printed in.</summary>
    public TimeZoneInfo Zone { get; }

    /// <summary>A clock in <paramref name="zoneId"/> (an IANA id), or in <paramref name="time"/>'s local zone when null.</summary>
    public static ReceiptClock For(TimeProvider time, string? zoneId)
    {
        ArgumentNullException.ThrowIfNull(time);
        if (zoneId is null)
        {
            return new ReceiptClock(time, time.LocalTimeZone);
        }

        return TryFindZone(zoneId, out var zone)
            ? new ReceiptClock(time, zone)
            : throw new ArgumentException($"'{zoneId}' is not a time zone this machine knows (an IANA id such as Asia/Almaty).", nameof(zoneId));
    }

    public static bool TryFindZone(string id, [NotNullWhen(true)] out TimeZoneInfo? zone)
    {
        zone = null;
        return !string.IsNullOrWhiteSpace(id) && TimeZoneInfo.TryFindSystemTimeZoneById(id, out zone);
    }

    /// <summary>Now, as the store's wall clock shows it (with the offset in force).</summary>
    public DateTimeOffset Now() => TimeZoneInfo.ConvertTime(_time.GetUtcNow(), Zone);
}
